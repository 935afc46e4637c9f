"""Session fixtures for tests/core: fixture PDFs parsed once, one warehouse built once."""
from __future__ import annotations

import shutil
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from core_support import ALL_STEMS, FIXTURES, WAREHOUSE_STEMS, parse_fixture, table_counts


@pytest.fixture(scope="session")
def parsed_docs() -> dict:
    """stem -> ParsedDocument for every fixture PDF, parsed once (two worker processes)."""
    with ProcessPoolExecutor(max_workers=2) as pool:
        return dict(pool.map(parse_fixture, ALL_STEMS))


@pytest.fixture(scope="session")
def warehouse_dir(tmp_path_factory) -> Path:
    """A folder holding copies of the warehouse fixture PDFs."""
    folder = tmp_path_factory.mktemp("raw")
    for stem in WAREHOUSE_STEMS:
        shutil.copy(FIXTURES / f"{stem}.pdf", folder / f"{stem}.pdf")
    return folder


@pytest.fixture(scope="session")
def warehouse(tmp_path_factory, warehouse_dir) -> dict:
    """A DuckDB warehouse built once with ingest_paths; returns its path, report and row counts.

    Tests must open it read-only (or copy it) so the shared state stays as built.
    """
    from pipeline.ingest.service import ingest_paths
    from pipeline.warehouse.db import connect

    db = tmp_path_factory.mktemp("wh") / "minutes.duckdb"
    con = connect(db)
    report = ingest_paths([warehouse_dir], con, workers=2)
    counts = table_counts(con)
    con.close()
    return {"db": db, "report": report, "counts": counts, "raw": warehouse_dir}
