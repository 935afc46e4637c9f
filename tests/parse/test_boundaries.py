"""Sections end where the document starts something else, whatever the heading's words: typeset
PDFs of layouts the parser has not seen (capitalised headings, bold headings it has no word for),
and attachment lists under "Bilag" as plain lines, numbered or not."""
from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.extract import extract_document
from pipeline.parse.parser import parse_document


def typeset(path: Path, lines: list[tuple[str, float, str, float]]) -> Path:
    """One A4 page: (text, gap above as a fraction of the page, weight, size)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_pdf import PdfPages

    with PdfPages(path) as pdf:
        fig = plt.figure(figsize=(8.27, 11.69))
        y = 0.95
        for text, gap, weight, size in lines:
            y -= gap
            fig.text(0.08, y, text, fontsize=size, fontweight=weight, family="DejaVu Sans")
        pdf.savefig(fig)
        plt.close(fig)
    return path


FRONT = [("Lemvig Kommune", 0.0, "bold", 14), ("Referat - Økonomiudvalget", 0.03, "normal", 11),
         ("Mødedato: 7. marts 2024", 0.03, "normal", 10), ("Mødetidspunkt: 15:00", 0.02, "normal", 10)]


@pytest.fixture(scope="module")
def capitalised(tmp_path_factory):
    """Section headings printed in capitals at body size and weight; a proposal under a capitalised
    heading the vocabulary does not know follows the decision."""
    body = [
        ("1. Budget 2025", 0.05, "bold", 12),
        ("SAGSFREMSTILLING", 0.03, "normal", 10), ("Forvaltningen har udarbejdet et budgetforslag.", 0.02, "normal", 10),
        ("INDSTILLING", 0.03, "normal", 10), ("Forvaltningen indstiller, at budgettet godkendes.", 0.02, "normal", 10),
        ("BESLUTNING", 0.03, "normal", 10), ("Godkendt.", 0.02, "normal", 10),
        ("FORSLAG FRA GRUPPEN FOR EN GRØNNERE BY", 0.03, "normal", 10),
        ("Gruppen foreslår, at der afsættes midler til cykelstier.", 0.02, "normal", 10),
        ("BILAG", 0.03, "normal", 10), ("Budgetnotat 2025", 0.02, "normal", 10),
        ("Høringssvar fra Ældrerådet om budgettet", 0.02, "normal", 10),
        ("2. Trafikplan", 0.05, "bold", 12),
        ("BESLUTNING", 0.03, "normal", 10), ("Udsat.", 0.02, "normal", 10),
        ("Bilag", 0.03, "normal", 10), ("Bilag 1: Trafiktælling 2023", 0.02, "normal", 10),
        ("Bilag 2: Kort over midtbyen", 0.02, "normal", 10),
    ]
    path = typeset(Path(tmp_path_factory.mktemp("caps")) / "caps.pdf", FRONT + body)
    return parse_document(extract_document(path, "caps"))


def test_capitalised_heading_ends_the_decision(capitalised):
    first, second = capitalised.items
    assert (first.decision.text, first.decision.outcome) == ("Godkendt.", "approved")
    assert first.recommendation == "at budgettet godkendes."
    proposal = [s for s in first.sections if s.heading.startswith("FORSLAG FRA")]
    assert proposal and proposal[0].text == "Gruppen foreslår, at der afsættes midler til cykelstier."
    assert (second.decision.text, second.decision.outcome) == ("Udsat.", "postponed")


def test_attachments_as_plain_lines_numbered_or_not(capitalised):
    first, second = capitalised.items
    assert first.attachments == ["Budgetnotat 2025", "Høringssvar fra Ældrerådet om budgettet"]
    assert second.attachments == ["Trafiktælling 2023", "Kort over midtbyen"]


def test_bold_heading_without_known_words_ends_the_decision(tmp_path):
    body = [
        ("5. Salg af grund", 0.05, "bold", 12),
        ("Indstilling", 0.03, "bold", 10), ("Direktionen indstiller, at grunden sælges.", 0.02, "normal", 10),
        ("Beslutning", 0.03, "bold", 10), ("Anbefalet.", 0.02, "normal", 10),
        ("Ændringsønske fra Venstre", 0.03, "bold", 10),
        ("Venstre ønsker prisen hævet med 10 procent.", 0.02, "normal", 10),
        ("6. Eventuelt", 0.05, "bold", 12), ("Beslutning", 0.03, "bold", 10), ("Intet.", 0.02, "normal", 10),
    ]
    meeting = parse_document(extract_document(typeset(tmp_path / "bold.pdf", FRONT + body), "bold"))
    assert [(i.number, i.decision.text) for i in meeting.items] == [(5, "Anbefalet."), (6, "Intet.")]
    assert meeting.items[0].sections[-1].text == "Venstre ønsker prisen hævet med 10 procent."


def test_header_box_on_some_continuation_pages_is_furniture(tmp_path):
    """A header block carrying the page number, printed only on the pages where an item runs on, is
    page furniture even though it is on few pages; no attachment list or decision picks it up."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_pdf import PdfPages

    def header(fig, page):
        for y, text in ((0.965, "Odder Kommune    Møde: 4. april 2024"), (0.952, "Teknisk Udvalg"),
                        (0.939, "Formand: Jens Hansen"), (0.926, f"Side {page}")):
            fig.text(0.55, y, text, fontsize=8, family="DejaVu Sans")

    body = [("Forvaltningen beskriver planen for området i kommunen.", 0.02, "normal", 10)] * 30
    pages = [  # the box is printed on pages 2 and 4 only, where an item runs on: 2 of 5 pages
        [("Odder Kommune", 0.0, "bold", 14), ("Referat - Teknisk Udvalg", 0.03, "normal", 11),
         ("Mødedato: 4. april 2024", 0.03, "normal", 10), ("1. Vejplan", 0.06, "bold", 12),
         ("Sagsfremstilling", 0.03, "bold", 10)] + body,
        [("Beslutning", 0.0, "bold", 10), ("Godkendt.", 0.02, "normal", 10), ("Bilag", 0.03, "bold", 10),
         ("Vejplan 2024", 0.02, "normal", 10)],
        [("2. Busplan", 0.0, "bold", 12), ("Sagsfremstilling", 0.03, "bold", 10)] + body,
        [("Beslutning", 0.0, "bold", 10), ("Udsat.", 0.02, "normal", 10), ("Bilag", 0.03, "bold", 10),
         ("Busplan 2024", 0.02, "normal", 10)],
        [("3. Eventuelt", 0.0, "bold", 12), ("Beslutning", 0.03, "bold", 10), ("Intet.", 0.02, "normal", 10)],
    ]
    path = tmp_path / "boxed.pdf"
    with PdfPages(path) as pdf:
        for number, lines in enumerate(pages, start=1):
            fig = plt.figure(figsize=(8.27, 11.69))
            if number in (2, 4):
                header(fig, number)
            y = {2: 0.88, 4: 0.86}.get(number, 0.95)  # body text starts where it starts (not a repeated line)
            for text, gap, weight, size in lines:
                y -= gap
                fig.text(0.08, y, text, fontsize=size, fontweight=weight, family="DejaVu Sans")
            pdf.savefig(fig)
            plt.close(fig)
    extracted = extract_document(path, "boxed")
    assert any(line.text.startswith("Formand:") for page in extracted.pages for line in page.removed_lines)
    meeting = parse_document(extracted)
    assert [(i.number, i.decision.text, i.attachments) for i in meeting.items] == [
        (1, "Godkendt.", ["Vejplan 2024"]), (2, "Udsat.", ["Busplan 2024"]), (3, "Intet.", [])]
    assert meeting.committee == "Teknisk Udvalg"
