"""The extractor interface: any engine that turns PDF bytes into pages of typed lines."""
from __future__ import annotations

from pathlib import Path
from typing import Protocol

from pipeline.model import ExtractedDocument


class ExtractionError(Exception):
    """A PDF that cannot be read. `reason` is a short machine-readable code stored in ingest_errors."""

    def __init__(self, reason: str, detail: str):
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


class Extractor(Protocol):
    name: str

    def extract(self, path: Path, sha256: str) -> ExtractedDocument:
        """Read `path` into pages of lines (raw: running headers/footers still present)."""
        ...
