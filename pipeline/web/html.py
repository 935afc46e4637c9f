"""Shared HTML pieces of the site: escaping, the page frame and its stylesheet, Danish outcome labels.

No external assets: the stylesheet is inline, and the pages work at 390 px width (long words and tables wrap).
"""
from __future__ import annotations

import html
from urllib.parse import quote

OUTCOME_LABELS = {"approved": "godkendt", "approved_with_changes": "godkendt med ændringer", "rejected": "forkastet",
                  "noted": "taget til efterretning", "postponed": "udsat", "discussed": "drøftet", "other": "andet",
                  "none": "ingen beslutning"}
VOTE_LABELS = {"for": "for", "against": "imod", "abstain": "undlod"}
CSS = """
*,*::before,*::after{box-sizing:border-box}
body{font-family:system-ui,sans-serif;max-width:64rem;margin:1rem auto;padding:0 1rem;color:#222;overflow-wrap:anywhere}
a{color:#0645ad} form.search{display:flex;flex-wrap:wrap;gap:.4rem;align-items:end;margin-bottom:1rem}
form.search label{display:flex;flex-direction:column;font-size:.8rem;max-width:100%}
input[type=search]{width:24rem;max-width:100%;font-size:1.1rem;padding:.3rem} .hit{margin:1rem 0;padding-bottom:.6rem;border-bottom:1px solid #ddd}
.meta{color:#555;font-size:.85rem} mark{background:#ffe066} .corrected,.suggestion{color:#a33}
.layout{display:flex;flex-wrap:wrap;gap:1.5rem} .facets{flex:0 1 13rem;font-size:.85rem} .facets ul{list-style:none;padding:0;margin:.2rem 0 .8rem}
.results{flex:1 1 20rem;min-width:0}
.section h3{margin-bottom:.2rem} .section p{white-space:pre-wrap;margin-top:.2rem} nav.pages a{margin-right:.6rem}
nav.top{display:flex;flex-wrap:wrap;gap:.8rem;margin-bottom:.6rem;font-size:.9rem}
ol.timeline{list-style:none;padding-left:0} ol.timeline>li{border-left:3px solid #0645ad;padding:.2rem 0 .8rem .8rem;margin:0}
.outcome{font-weight:600} .dissent{color:#a33} ul.items{padding-left:1.2rem} .feed{font-size:.85rem}
table{border-collapse:collapse;max-width:100%} td,th{padding:.15rem .5rem;text-align:left;vertical-align:top}
"""
NAV = ("<nav class='top'><a href='/'>Søg</a><a href='/seneste'>Seneste møder</a>"
       "<a href='/udvalg'>Udvalg</a></nav>")


def esc(value) -> str:
    """HTML-escape anything (None becomes the empty string)."""
    return html.escape("" if value is None else str(value), quote=True)


def url_part(value) -> str:
    """A value as one URL path segment (slashes and every other reserved character escaped)."""
    return quote("" if value is None else str(value), safe="")


def layout(title_html: str, body_html: str, feed_url: str | None = None) -> str:
    """The page frame: Danish, responsive, inline stylesheet, optional Atom feed link."""
    feed = (f"<link rel='alternate' type='application/atom+xml' title='Atom' href='{esc(feed_url)}'>"
            if feed_url else "")
    return ("<!doctype html><html lang='da'><head><meta charset='utf-8'>"
            f"<meta name='viewport' content='width=device-width,initial-scale=1'><title>{title_html}</title>{feed}"
            f"<style>{CSS}</style></head><body>{NAV}{body_html}</body></html>")
