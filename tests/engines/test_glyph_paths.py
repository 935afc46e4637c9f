"""The pdfium engine's fast path (glyphs read in C, grouped with numpy) gives exactly the lines of its
per-character Python path, on real PDFs and on pages built to exercise every rule."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
import pytest
from pdf_bytes import one_page_pdf, pdf_from_objects

from pipeline.extract import glyphs
from pipeline.extract.pdfium_engine import PdfiumExtractor
from pipeline.extract.pdfplumber_engine import PdfplumberExtractor

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "engines"
REAL = ["east-0001.pdf", "classic-0001.pdf", "greve-kultur-og-fritidsudvalget-2022-03-21.pdf"]


def _rows(doc) -> list[tuple]:
    return [(line.page, line.top, line.x0, line.x1, line.text, line.font, line.size, line.bold, line.italic)
            for line in doc.lines]


def _two_font_pdf(content: bytes) -> bytes:
    """One page with /F1 Helvetica and /F2 Helvetica-Bold."""
    return one_page_pdf(content, fonts=("Helvetica", "Helvetica-Bold"))


def test_c_extension_is_built():
    """`pip install` compiles pipeline/extract/_glyphs.c; without it the engine falls back to ctypes (slow)."""
    assert glyphs._glyphs is not None


@pytest.mark.parametrize("name", REAL)
def test_c_reader_equals_ctypes_reader(name):
    pdf = pdfium.PdfDocument(str(FIXTURES / name))
    try:
        for index in range(len(pdf)):
            textpage = pdf[index].get_textpage()
            fast = glyphs.read_glyphs(textpage.raw)
            slow = glyphs._read_glyphs_ctypes(textpage.raw, pdfium.raw.FPDFText_CountChars(textpage.raw))
            assert len(fast) > 0
            for field in ("codes", "x0", "x1", "y", "index", "objects"):
                assert np.array_equal(getattr(fast, field), getattr(slow, field)), (index, field)
            textpage.close()
    finally:
        pdf.close()


@pytest.mark.parametrize("name", REAL)
def test_vectorised_lines_equal_python_lines(name):
    fast = PdfiumExtractor().extract(FIXTURES / name, "x")
    slow = PdfiumExtractor(vectorised=False).extract(FIXTURES / name, "x")
    assert len(fast.lines) > 20
    assert _rows(fast) == _rows(slow)


def test_rules_on_a_built_page(tmp_path):
    """Mixed fonts on one line (majority font, bold share), a gap wider than 3 pt inside one string, a
    ligature, a baseline shift within tolerance, two lines 3.5 pt apart, text written right to left in the
    content stream -- the vectorised path agrees with the Python path and with the reference engine."""
    content = (b"BT /F2 14 Tf 72 760 Td (Punkt 1.) Tj ET BT /F1 14 Tf 130 760 Td (Godkendelse) Tj ET "
               b"BT /F1 10 Tf 72 730 Td [(Beslutning) -400 (vedtaget)] TJ ET "
               b"BT /F1 10 Tf 72 700 Td (Side) Tj ET BT /F1 10 Tf 100 701.5 Td (to) Tj ET "
               b"BT /F1 10 Tf 72 680 Td (oppe) Tj ET BT /F1 10 Tf 72 676.5 Td (nede) Tj ET "
               b"BT /F1 10 Tf 200 650 Td (slut) Tj ET BT /F1 10 Tf 72 650 Td (start) Tj ET")
    path = tmp_path / "rules.pdf"
    path.write_bytes(_two_font_pdf(content))
    fast = PdfiumExtractor().extract(path, "x")
    slow = PdfiumExtractor(vectorised=False).extract(path, "x")
    assert _rows(fast) == _rows(slow)
    reference = PdfplumberExtractor().extract(path, "x")
    assert [line.text for line in fast.lines] == [line.text for line in reference.lines]
    assert [line.text for line in fast.lines][:2] == ["Punkt 1. Godkendelse", "Beslutning vedtaget"]
    assert "start slut" in [line.text for line in fast.lines]
    heading = fast.lines[0]
    assert (heading.font, heading.bold) == ("Helvetica", False)  # 11 regular glyphs outvote 7 bold ones
    for a, b in zip(reference.lines, fast.lines):
        assert (b.top, b.x0, b.size, b.bold) == (pytest.approx(a.top, abs=0.5), pytest.approx(a.x0, abs=0.5),
                                                 a.size, a.bold)


def test_rotated_text_takes_the_python_path(tmp_path):
    content = (b"BT /F1 12 Tf 72 760 Td (Referat) Tj ET "
               b"BT /F1 8 Tf 0 1 -1 0 40 300 Tm (Udskrevet den 1. marts) Tj ET")
    path = tmp_path / "rotated.pdf"
    path.write_bytes(one_page_pdf(content))
    fast = PdfiumExtractor().extract(path, "x")
    assert _rows(fast) == _rows(PdfiumExtractor(vectorised=False).extract(path, "x"))
    assert fast.lines[0].text == "Referat" and len(fast.lines) >= 2
    # (pdfplumber reads the rotated words one per line; both pdfium paths keep the column together)


def test_empty_page(tmp_path):
    path = tmp_path / "empty.pdf"
    path.write_bytes(one_page_pdf(b"BT /F1 12 Tf 72 760 Td (   ) Tj ET"))
    doc = PdfiumExtractor().extract(path, "x")
    assert doc.lines == [] and doc.pages[0].has_text_layer
