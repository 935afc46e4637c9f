"""OCR of pages without a text layer (Tesseract, Danish model), end to end on real PDFs.

Scanned versions of gold-annotated corpus documents are made here (pages rendered with pypdfium2,
stored as image-only PDF pages), ingested like any file and scored against their gold next to the
text-layer original. OCR is slow (seconds per page), so the default tests read five pages in all;
the whole real scan runs in the slow test.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from ocr_support import FIXTURES, REAL_SCAN, document_score, load_gold
from pipeline.extract import extract_document
from pipeline.extract.ocr import LOW_CONFIDENCE, check_installed, ocr_page, write_image_only_pdf
from pipeline.ingest.service import ingest_paths, sha256_of
from pipeline.warehouse.db import connect
from pipeline.warehouse.export import document_as_gold

GREVE = "greve-kultur-og-fritidsudvalget-2022-03-21"  # 2 pages, real Greve minutes
EAST = "east-0001"  # 4 pages, public corpus


@pytest.fixture(scope="module", autouse=True)
def tesseract_installed():
    check_installed()  # raises with the packages to install (scripts/install-ocr.sh does it)


def ingest_and_export(pdf: Path, db: Path) -> tuple[dict, dict]:
    """Ingest one file into a fresh warehouse: (its gold-shaped export, its documents row)."""
    con = connect(db)
    try:
        report = ingest_paths([pdf], con, workers=1)
        assert report.ingested == 1, report.outcomes
        doc_id = sha256_of(pdf)
        row = con.execute("SELECT pages_without_text, ocr_pages, ocr_page_confidence, ocr_mean_confidence, status "
                          "FROM documents WHERE doc_id = ?", [doc_id]).fetchone()
        return document_as_gold(con, doc_id), dict(zip(
            ("pages_without_text", "ocr_pages", "ocr_page_confidence", "ocr_mean_confidence", "status"), row))
    finally:
        con.close()


def test_scanned_greve_minutes_score_like_the_text_layer(tmp_path):
    original = FIXTURES / f"{GREVE}.pdf"
    scan_dir = tmp_path / "scan"
    scan_dir.mkdir()
    scanned = scan_dir / original.name
    assert write_image_only_pdf(original, scanned, dpi=200) == 2
    pred_scan, row = ingest_and_export(scanned, tmp_path / "scan.duckdb")
    pred_text, text_row = ingest_and_export(original, tmp_path / "text.duckdb")
    gold = load_gold(GREVE)
    scan_score, text_score = document_score(gold, pred_scan), document_score(gold, pred_text)
    assert scan_score >= 0.9, (scan_score, pred_scan)
    assert scan_score >= text_score - 0.05
    assert row["ocr_pages"] == [1, 2] and row["pages_without_text"] == [1, 2]
    assert all(c > 80 for c in row["ocr_page_confidence"]) and row["ocr_mean_confidence"] > 80
    assert text_row["ocr_pages"] is None and text_row["ocr_mean_confidence"] is None


def test_mixed_document_ocrs_only_the_scanned_page(tmp_path):
    """Page 2 of four is a scan: it is read by OCR, the other pages keep their text layer exactly."""
    original = FIXTURES / f"{EAST}.pdf"
    scan = tmp_path / "all-scanned.pdf"
    write_image_only_pdf(original, scan, dpi=200)
    mixed_path = tmp_path / "mixed" / original.name
    mixed_path.parent.mkdir()
    mixed, source, scanned = pdfium.PdfDocument.new(), pdfium.PdfDocument(str(original)), pdfium.PdfDocument(str(scan))
    mixed.import_pages(source, [0])
    mixed.import_pages(scanned, [1])
    mixed.import_pages(source, [2, 3])
    mixed.save(str(mixed_path))
    for doc in (mixed, source, scanned):
        doc.close()

    text_doc = extract_document(original, "text")
    mixed_doc = extract_document(mixed_path, "mixed")
    assert [p.ocr for p in mixed_doc.pages] == [False, True, False, False]
    assert not any(p.ocr for p in text_doc.pages)
    for k in (0, 2, 3):
        assert [(l.text, l.top, l.bold) for l in mixed_doc.pages[k].lines] == \
               [(l.text, l.top, l.bold) for l in text_doc.pages[k].lines]
    ocr_words = " ".join(l.text for l in mixed_doc.pages[1].lines).split()
    text_words = " ".join(l.text for l in text_doc.pages[1].lines).split()
    common = len(set(ocr_words) & set(text_words)) / len(set(text_words))
    assert common > 0.9, common

    pred, row = ingest_and_export(mixed_path, tmp_path / "mixed.duckdb")
    assert row["ocr_pages"] == [2]
    assert document_score(load_gold(EAST), pred) >= 0.9


def test_rotated_real_scan_page_is_read_in_its_reading_frame():
    """Page 3 of the real Ballerup scan is a table printed sideways: OSD turns it upright."""
    pdf = pdfium.PdfDocument(str(REAL_SCAN))
    try:
        page = ocr_page(pdf[2], 3)
    finally:
        pdf.close()
    assert page.ocr and page.ocr_confidence > 80
    assert page.width > page.height  # landscape reading frame
    text = "\n".join(line.text for line in page.lines)
    for word in ("Lundebjergskolen", "Hedegårdsskolen", "Egebjergskolen", "Skole- og Uddannelsesudvalget"):
        assert word in text
    tops = [line.top for line in page.lines]
    assert tops == sorted(tops) and all(0 <= line.x0 < line.x1 <= page.width for line in page.lines)


def test_poor_scan_gets_a_low_confidence_warning(tmp_path):
    """A page scanned at 40 dpi is barely legible: it is still OCR'd, and the quality report says so."""
    from pipeline.parse.parser import parse_document

    scan = tmp_path / "poor.pdf"
    write_image_only_pdf(FIXTURES / f"{GREVE}.pdf", scan, dpi=40, pages=1)
    doc = extract_document(scan, "poor")
    page = doc.pages[0]
    assert page.ocr and page.ocr_confidence is not None and page.ocr_confidence < LOW_CONFIDENCE
    warnings = [w for w in parse_document(doc).warnings if w.code == "low_ocr_confidence"]
    assert [w.page for w in warnings] == [1]
    assert not any(w.code == "no_text_layer" for w in parse_document(doc).warnings)


@pytest.mark.slow
def test_real_scan_ingests_and_its_third_page_is_searchable(tmp_path):
    """The whole 8-page real scan through the CLI: ingest succeeds, OCR provenance is stored, search finds page 3."""
    minutes = Path(sys.executable).with_name("minutes")
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(REAL_SCAN, raw)
    db = tmp_path / "w.duckdb"
    done = subprocess.run([str(minutes), "ingest", str(raw), "--db", str(db), "--workers", "2"],
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr
    assert "ingested: 1" in done.stdout and "failed: 0" in done.stdout
    con = connect(db, read_only=True)
    try:
        ocr_pages, confidence = con.execute("SELECT ocr_pages, ocr_mean_confidence FROM documents").fetchone()
        errors = con.execute("SELECT count(*) FROM ingest_errors").fetchone()[0]
    finally:
        con.close()
    assert ocr_pages == list(range(1, 9)) and confidence > 80 and errors == 0
    found = subprocess.run([str(minutes), "search", "Lundebjergskolen", "--db", str(db)],
                           capture_output=True, text=True, timeout=300)
    assert found.returncode == 0, found.stderr
    assert "ballerup-bygningsliste-2012-scanned.pdf" in found.stdout and "Lundebjergskolen" in found.stdout
