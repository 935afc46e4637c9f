"""PDF -> pages of typed lines. `extract_document` is the stage's entry point."""
from __future__ import annotations

from pathlib import Path

from pipeline.extract.base import ExtractionError, Extractor
from pipeline.extract.layout import clean, join_lines
from pipeline.extract.ocr import ocr_pages_without_text
from pipeline.extract.pdfium_engine import PdfiumExtractor
from pipeline.extract.pdfplumber_engine import PdfplumberExtractor
from pipeline.extract.validate import check_pdf_bytes
from pipeline.model import ExtractedDocument

ENGINES: dict[str, type] = {"pdfplumber": PdfplumberExtractor, "pdfium": PdfiumExtractor}
# pdfium yields the same lines as pdfplumber on every corpus document (benchmarks/bench_engines.py) at
# about 30x the speed (glyphs read in C, grouped with numpy: benchmarks/bench_ingest.py), so it is the
# default; pdfplumber stays the reference engine (--engine pdfplumber).
DEFAULT_ENGINE = "pdfium"


def extract_document(path: Path, sha256: str, engine: str = DEFAULT_ENGINE) -> ExtractedDocument:
    """Validate, extract and clean one PDF. Raises ExtractionError with a reason code."""
    check_pdf_bytes(path)
    doc = ENGINES[engine]().extract(path, sha256)
    if not doc.pages:
        raise ExtractionError("no_pages", "the PDF has no pages")
    doc = ocr_pages_without_text(path, doc)  # scanned pages: Tesseract, page by page
    if not any(page.lines for page in doc.pages):
        raise ExtractionError("no_text_layer",
                              f"none of the {len(doc.pages)} pages has a text layer (scanned, and OCR found no text or Tesseract is not installed)")
    return clean(doc)


__all__ = ["DEFAULT_ENGINE", "ExtractionError", "Extractor", "extract_document", "join_lines", "ENGINES"]
