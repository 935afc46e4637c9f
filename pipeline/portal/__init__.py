"""Portal channel: meetings read from a FirstAgenda publication portal's JSON API instead of PDFs.

`reader` turns one meeting JSON into the same typed Meeting/Item/Decision objects as the PDF path;
`html` splits the HTML case presentation into sections by its <h3> headings; `danish` is the one place
that calls the Danish text components of pipeline/parse; `firstagenda` is the nightly source kind.
"""
