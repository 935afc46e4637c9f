"""Fixtures for tests/identity: real Greve PDFs parsed once, and helpers to load and inspect a warehouse."""
from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "core"
GREVE = ["greve-oekonomiudvalget-2022-01-10", "greve-social-og-handicapudvalget-2022-01-10"]


@pytest.fixture(scope="session")
def greve_parsed() -> dict:
    """stem -> ParsedDocument of two real Greve 2022 minutes (parsed once)."""
    from pipeline.ingest.service import process_file, sha256_of

    parsed = {}
    for stem in GREVE:
        path = FIXTURES / f"{stem}.pdf"
        _, doc, reason, detail = process_file(str(path), sha256_of(path))
        assert doc is not None, (reason, detail)
        parsed[stem] = doc
    return parsed
