"""Extract stage on real PDFs: pages, running headers/footers, bold, hyphenation, bullets."""
from __future__ import annotations

import re

import pytest

from core_support import FIXTURES
from pipeline.extract import join_lines
from pipeline.extract.layout import clean
from pipeline.extract.pdfplumber_engine import PdfplumberExtractor


@pytest.fixture(scope="module")
def raw_classic():
    """classic-0005 as the engine reads it, before layout clean-up."""
    return PdfplumberExtractor().extract(FIXTURES / "classic-0005.pdf", "raw")


def texts(lines) -> list[str]:
    return [line.text for line in lines]


@pytest.mark.parametrize("stem, pages", [("classic-0005", 8), ("capital-0008", 5), ("east-0006", 4),
                                         ("ballerup-sundhed-2012-12-04", 15),
                                         ("greve-oekonomiudvalget-2022-01-10", 3)])
def test_page_count(parsed_docs, stem, pages):
    doc = parsed_docs[stem].extracted
    assert len(doc.pages) == pages
    assert [p.number for p in doc.pages] == list(range(1, pages + 1))
    assert all(p.has_text_layer for p in doc.pages)
    assert all(line.page == p.number for p in doc.pages for line in p.lines)


def test_side_n_af_m_footer_removed(parsed_docs):
    doc = parsed_docs["greve-oekonomiudvalget-2022-01-10"].extracted
    for page in doc.pages:
        assert f"Side {page.number} af 3" in texts(page.removed_lines)
        assert not any(re.search(r"Side \d+ af \d+", t) for t in texts(page.lines))
    # the repeated committee/date header from page 2 on
    for page in doc.pages[1:]:
        assert "Økonomiudvalget Referat 10-01-2022" in texts(page.removed_lines)
        assert "Økonomiudvalget Referat 10-01-2022" not in texts(page.lines)


def test_sidetal_and_committee_header_removed(parsed_docs):
    doc = parsed_docs["classic-0005"].extracted
    for page in doc.pages[1:]:
        removed = texts(page.removed_lines)
        assert f"Sidetal: {page.number}" in removed
        assert "Klima- og Miljøudvalget Formand: Anne-Sofie Jakobsen" in removed
        assert "Silkeborg Kommune Mødedato: 1. august 2024" in removed
        kept = texts(page.lines)
        assert not any(t.startswith("Sidetal") for t in kept)
        assert "Klima- og Miljøudvalget Formand: Anne-Sofie Jakobsen" not in kept


def test_side_n_with_date_header_removed(parsed_docs):
    doc = parsed_docs["agenda-capital-0001"].extracted
    for page in doc.pages:
        assert any(t.endswith(f"Side {page.number} af 5") for t in texts(page.removed_lines))
        assert not any("Side " in t and " af 5" in t for t in texts(page.lines))


def test_section_heading_in_header_band_is_kept(parsed_docs, raw_classic):
    """'Beslutningstema' sits at the same height on several pages, inside the header band: it stays."""
    raw_hits = [(p, l) for p in raw_classic.pages for l in p.lines if l.text.strip() == "Beslutningstema"]
    assert len(raw_hits) >= 3
    assert any(l.top < 0.20 * p.height for p, l in raw_hits), "the test needs one in the header band"
    doc = parsed_docs["classic-0005"].extracted
    kept = [l for l in doc.lines if l.text == "Beslutningstema"]
    assert len(kept) == len(raw_hits)
    assert not any(l.text == "Beslutningstema" for p in doc.pages for l in p.removed_lines)


def test_clean_only_moves_lines(raw_classic):
    """Every raw line ends up either in lines or in removed_lines, never lost."""
    before = {(l.page, round(l.top, 2), l.text.strip()) for p in raw_classic.pages for l in p.lines}
    import copy
    cleaned = clean(copy.deepcopy(raw_classic))
    after = [(l.page, round(l.top, 2)) for p in cleaned.pages for l in p.lines + p.removed_lines]
    assert len(after) == len(before)
    assert {(p, t) for p, t, _ in before} == set(after)


def test_bold_headings(parsed_docs):
    doc = parsed_docs["classic-0005"].extracted
    by_text = {}
    for line in doc.lines:
        by_text.setdefault(line.text, line)
    assert by_text["111. Solcelleanlæg på kommunale bygninger"].bold
    assert by_text["Beslutningstema"].bold
    assert by_text["Sagsfremstilling"].bold
    assert by_text["Administrationen indstiller,"].bold
    assert not by_text["Mødested: Kjellerup Bibliotek, mødesal"].bold
    assert not by_text["Fraværende: Kristian Bæk"].bold
    body = [l for l in doc.lines if len(l.text) > 60]
    assert body and sum(l.bold for l in body) / len(body) < 0.1


def test_bold_item_headings_east(parsed_docs):
    doc = parsed_docs["east-0006"].extracted
    heading = next(l for l in doc.lines if l.text.startswith("Punkt 135."))
    assert heading.bold and heading.size > 11
    case = next(l for l in doc.lines if l.text == "Sagsnr.: 20/12712")
    assert not case.bold


def test_join_lines_repairs_hyphenation():
    assert join_lines(["Høringssva-", "rene blev drøftet"]) == "Høringssvarene blev drøftet"
    assert join_lines(["Sundheds-", "og Forebyggelsesudvalget"]) == "Sundheds- og Forebyggelsesudvalget"
    assert join_lines(["Børne-", "eller Ungeudvalget"]) == "Børne- eller Ungeudvalget"
    assert join_lines(["Kultur-", "Fritid"]) == "Kultur- Fritid"  # capital next word: not a broken word
    assert join_lines(["første linje", "", "  anden linje  "]) == "første linje anden linje"


def test_join_lines_on_real_broken_word(parsed_docs):
    doc = parsed_docs["east-0002"].extracted
    lines = doc.lines
    k = next(i for i, l in enumerate(lines) if l.text.endswith("indevæ-"))
    nxt = lines[k + 1].text
    assert nxt[:1].islower()
    joined = join_lines([lines[k].text, nxt])
    assert "indevæ- " not in joined and "indevæ" + nxt.split()[0] in joined


def test_suspended_hyphen_in_parsed_recommendation(parsed_docs):
    """Ballerup item 2: 'Sundheds-' | 'og Forebyggelsesudvalget' keeps the hyphen and the space."""
    doc = parsed_docs["ballerup-sundhed-2012-12-04"]
    assert any(l.text.endswith("under Sundheds-") for l in doc.extracted.lines)
    item = next(i for i in doc.meeting.items if i.number == 2)
    assert "under Sundheds- og Forebyggelsesudvalget" in item.recommendation
    assert "Sundhedsog" not in item.recommendation


def test_bullets_removed_and_flagged(parsed_docs, raw_classic):
    doc = parsed_docs["classic-0005"].extracted
    bulleted = [l for l in doc.lines if l.bullet]
    assert bulleted
    for line in bulleted:
        assert line.text and not re.match(r"^[•·▪◦‣●■□►▸\uf0b7\uf0a7\uf0d8–-]", line.text)
    target = next(l for l in bulleted if l.text == "Oversigt over puljeansøgninger.xlsx")
    raw = next(l for p in raw_classic.pages for l in p.lines
               if l.page == target.page and abs(l.top - target.top) < 0.01)
    assert raw.text != target.text and raw.text.rstrip().endswith("Oversigt over puljeansøgninger.xlsx")
    # numbered item headings are not bullets
    assert not any(l.bullet for l in doc.lines if re.match(r"^\d+\. ", l.text))
