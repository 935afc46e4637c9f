"""The extractor interface: any engine that turns PDF bytes into pages of typed lines."""
from __future__ import annotations

from pathlib import Path
from typing import Iterable, Protocol

from pipeline.model import ExtractedDocument


class ExtractionError(Exception):
    """A PDF that cannot be read. `reason` is a short machine-readable code stored in ingest_errors."""

    def __init__(self, reason: str, detail: str):
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


def has_doubled_glyphs(glyphs: Iterable[tuple[str, float, float]]) -> bool:
    """Faux bold prints each glyph twice at (almost) the same spot: more than 3 (text, x, top) repeats,
    rounded to a point. Both engines use this test, so they dedupe the same pages (dedupe is slow)."""
    seen = set()
    doubled = 0
    for text, x, top in glyphs:
        key = (text, round(x), round(top))
        if key in seen:
            doubled += 1
            if doubled > 3:
                return True
        seen.add(key)
    return False


class Extractor(Protocol):
    name: str

    def extract(self, path: Path, sha256: str) -> ExtractedDocument:
        """Read `path` into pages of lines (raw: running headers/footers still present)."""
        ...
