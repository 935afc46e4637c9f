"""The pdfium engine yields the same lines as the pdfplumber engine, and the parser reads the same meeting.

Fixtures: two public corpus PDFs with their gold JSON (tests/fixtures/engines/).
"""
from __future__ import annotations

import difflib
import json
import re
from pathlib import Path

import pytest
from pdf_bytes import encrypted_pdf, one_page_pdf

from pipeline.extract import ENGINES, ExtractionError, extract_document
from pipeline.extract.layout import clean
from pipeline.extract.pdfium_engine import PdfiumExtractor
from pipeline.extract.pdfplumber_engine import PdfplumberExtractor

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "engines"
STEMS = ["east-0001", "classic-0001"]


def _pdf(stem: str) -> Path:
    return FIXTURES / f"{stem}.pdf"


def _gold(stem: str) -> dict:
    return json.loads((FIXTURES / f"{stem}.json").read_text(encoding="utf-8"))


def _norm(text: str | None) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


@pytest.fixture(scope="module")
def raw() -> dict:
    """(stem, engine) -> raw ExtractedDocument (before the layout clean-up)."""
    out = {}
    for stem in STEMS:
        out[(stem, "pdfplumber")] = PdfplumberExtractor().extract(_pdf(stem), "x")
        out[(stem, "pdfium")] = PdfiumExtractor().extract(_pdf(stem), "x")
    return out


@pytest.fixture(scope="module")
def cleaned() -> dict:
    """(stem, engine) -> cleaned ExtractedDocument, through the stage's entry point."""
    return {(stem, engine): extract_document(_pdf(stem), "x", engine)
            for stem in STEMS for engine in ("pdfplumber", "pdfium")}


@pytest.fixture(scope="module")
def meetings(cleaned) -> dict:
    from pipeline.parse.nlp import load_pipeline
    from pipeline.parse.parser import parse_document

    nlp = load_pipeline()
    return {stem: parse_document(cleaned[(stem, "pdfium")], nlp) for stem in STEMS}


def _matched(a: list, b: list) -> int:
    return sum(block.size for block in difflib.SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks())


def test_registered_engine():
    assert ENGINES["pdfium"] is PdfiumExtractor
    assert PdfiumExtractor.name == "pdfium"


@pytest.mark.parametrize("stem", STEMS)
def test_same_pages(raw, stem):
    plumber, pdfium = raw[(stem, "pdfplumber")], raw[(stem, "pdfium")]
    assert pdfium.engine == "pdfium" and pdfium.source_file == f"{stem}.pdf"
    assert len(pdfium.pages) == len(plumber.pages)
    for a, b in zip(plumber.pages, pdfium.pages):
        assert (b.number, b.has_text_layer) == (a.number, a.has_text_layer)
        assert b.width == pytest.approx(a.width, abs=0.01) and b.height == pytest.approx(a.height, abs=0.01)
        assert len(b.lines) == pytest.approx(len(a.lines), abs=2)


@pytest.mark.parametrize("stem", STEMS)
def test_same_cleaned_line_texts(cleaned, stem):
    a = [line.text for line in cleaned[(stem, "pdfplumber")].lines]
    b = [line.text for line in cleaned[(stem, "pdfium")].lines]
    assert a and b
    assert _matched(a, b) >= 0.95 * max(len(a), len(b))


@pytest.mark.parametrize("stem", STEMS)
def test_same_line_geometry_and_style(raw, stem):
    """Where both engines print the same line, they agree on where and how it is printed."""
    a, b = raw[(stem, "pdfplumber")].lines, raw[(stem, "pdfium")].lines
    key = lambda line: (line.page, line.text)  # noqa: E731
    matcher = difflib.SequenceMatcher(None, [key(x) for x in a], [key(x) for x in b], autojunk=False)
    pairs = [(a[block.a + k], b[block.b + k]) for block in matcher.get_matching_blocks() for k in range(block.size)]
    assert len(pairs) >= 0.95 * len(a)
    same_style = sum(1 for x, y in pairs if (x.size, x.bold, x.italic, x.font) == (y.size, y.bold, y.italic, y.font))
    assert same_style >= 0.95 * len(pairs)
    for x, y in pairs:
        assert y.top == pytest.approx(x.top, abs=0.5), (x, y)
        assert y.x0 == pytest.approx(x.x0, abs=0.5), (x, y)


@pytest.mark.parametrize("stem", STEMS)
def test_bold_item_headings(cleaned, stem):
    """Every gold item title starts a bold line, as printed, larger than the body text."""
    lines = cleaned[(stem, "pdfium")].lines
    body = max({line.size for line in lines}, key=lambda s: sum(1 for line in lines if line.size == s))
    for item in _gold(stem)["items"]:
        start = _norm(item["title"])[:25]
        heads = [line for line in lines if start in line.text and line.bold]
        assert heads, f"no bold line holds item {item['number']}: {item['title']!r}"
        assert any(line.size > body for line in heads)
    assert not all(line.bold for line in lines)


@pytest.mark.parametrize("stem", STEMS)
def test_parsed_items_equal_gold(meetings, stem):
    gold = _gold(stem)["items"]
    items = meetings[stem].items
    assert [i.number for i in items] == [g["number"] for g in gold]
    assert [_norm(i.title) for i in items] == [_norm(g["title"]) for g in gold]
    assert [i.case_number.printed if i.case_number else None for i in items] == [g["case_number"] for g in gold]


def test_faux_bold_doubled_characters_are_read_once(tmp_path):
    heading = b"(Punkt 1. Godkendelse af dagsorden) Tj ET"
    path = tmp_path / "faux-bold.pdf"
    path.write_bytes(one_page_pdf(b"BT /F1 14 Tf 72 760 Td " + heading + b" BT /F1 14 Tf 72.4 760 Td " + heading
                                   + b" BT /F1 10 Tf 72 730 Td (Godkendt.) Tj ET"))
    lines = PdfiumExtractor().extract(path, "x").lines
    assert [(line.text, line.size, line.font) for line in lines] == [
        ("Punkt 1. Godkendelse af dagsorden", 14.0, "Helvetica"), ("Godkendt.", 10.0, "Helvetica")]
    reference = PdfplumberExtractor().extract(path, "x").lines
    assert [line.text for line in reference] == [line.text for line in lines]
    for a, b in zip(reference, lines):
        assert (b.top, b.x0) == (pytest.approx(a.top, abs=0.5), pytest.approx(a.x0, abs=0.5))


def test_encrypted_file(tmp_path):
    path = tmp_path / "encrypted.pdf"
    path.write_bytes(encrypted_pdf())
    with pytest.raises(ExtractionError) as caught:
        PdfiumExtractor().extract(path, "x")
    assert caught.value.reason == "encrypted"


@pytest.mark.parametrize("content", [
    b"%PDF-1.4\n" + bytes(range(256)) * 20 + b"\n%%EOF\n",  # garbage behind a PDF header
    None,  # the first half of a real PDF
])
def test_garbage_file(tmp_path, content):
    if content is None:
        data = _pdf("east-0001").read_bytes()
        content = data[: len(data) // 2] + b"\n%%EOF\n"
    path = tmp_path / "broken.pdf"
    path.write_bytes(content)
    with pytest.raises(ExtractionError) as caught:
        PdfiumExtractor().extract(path, "x")
    assert caught.value.reason in {"truncated", "unreadable"}
    with pytest.raises(ExtractionError):
        extract_document(path, "x", "pdfium")


def test_image_only_page_has_no_text_layer(tmp_path):
    """A page with an image and no characters (a scan) has no text layer; a blank page has one."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    from matplotlib.backends.backend_pdf import PdfPages

    path = tmp_path / "mixed.pdf"
    with PdfPages(path) as pdf:
        for kind in ("text", "image", "blank"):
            fig = plt.figure(figsize=(8.27, 11.69))
            if kind == "text":
                fig.text(0.1, 0.9, "Punkt 1. Godkendelse af dagsorden", fontsize=12)
            elif kind == "image":
                fig.figimage(np.random.RandomState(0).rand(50, 40))
            pdf.savefig(fig)
            plt.close(fig)
    doc = PdfiumExtractor().extract(path, "x")
    assert [p.has_text_layer for p in doc.pages] == [True, False, True]
    assert doc.pages_without_text == [2]
    assert [line.text for line in doc.pages[0].lines] == ["Punkt 1. Godkendelse af dagsorden"]
    reference = PdfplumberExtractor().extract(path, "x")
    assert [p.has_text_layer for p in reference.pages] == [True, False, True]

    scan = tmp_path / "scan.pdf"
    fig = plt.figure(figsize=(8.27, 11.69))
    fig.figimage(np.random.RandomState(0).rand(50, 40))
    fig.savefig(scan)
    plt.close(fig)
    with pytest.raises(ExtractionError) as caught:
        extract_document(scan, "x", engine="pdfium")
    assert caught.value.reason == "no_text_layer"
