"""Cheap checks on a file's bytes before any PDF library sees it."""
from __future__ import annotations

from pathlib import Path

from pipeline.extract.base import ExtractionError


def check_pdf_bytes(path: Path) -> None:
    """Raise ExtractionError for empty files, non-PDFs and files cut off before their end."""
    size = path.stat().st_size
    if size == 0:
        raise ExtractionError("empty", "the file has 0 bytes")
    with path.open("rb") as handle:
        head = handle.read(1024)
        handle.seek(max(0, size - 2048))
        tail = handle.read()
    if b"%PDF-" not in head:
        kind = "HTML" if b"<html" in head.lower() or b"<!doctype" in head.lower() else "unknown content"
        raise ExtractionError("not_pdf", f"no %PDF header ({kind}, {size} bytes)")
    if b"%%EOF" not in tail:
        raise ExtractionError("truncated", f"no %%EOF marker at the end of {size} bytes; the download was probably cut off")
