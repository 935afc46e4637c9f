"""A kill or a full disk during the search-index build: the next ingest or nightly run notices the incomplete index
and rebuilds it even when nothing new arrived; a failed build fails the run (never `ok`)."""
from __future__ import annotations

import shutil

import duckdb
import pytest
from click.testing import CliRunner
from ops_support import good_pdf

from pipeline.cli import cli
from pipeline.ingest.nightly import run_nightly
from pipeline.ingest.search_refresh import ensure_search_index
from pipeline.search.index import TABLES, index_is_complete
from pipeline.ingest.service import ingest_paths
from pipeline.ingest.sources import parse_config
from pipeline.warehouse.db import connect


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A warehouse with one document and a complete index (copied by each test)."""
    folder = tmp_path_factory.mktemp("inbox")
    shutil.copy(good_pdf(), folder / "referat.pdf")
    db = tmp_path_factory.mktemp("built") / "w.duckdb"
    con = connect(db)
    ingest_paths([folder], con, workers=1)
    assert ensure_search_index(con, []) == "built"
    assert index_is_complete(con)
    con.close()
    return folder, db


def copy_of(built, tmp_path):
    folder, db = built
    target = tmp_path / "w.duckdb"
    shutil.copy(db, target)
    return folder, target


def break_index(db, how: str) -> None:
    """What a kill at some point of a build leaves: a table missing, or an index of other items."""
    con = connect(db)
    if how == "postings_missing":
        con.execute("DROP TABLE search_postings")
    elif how == "no_index_at_all":
        for table in TABLES:
            con.execute(f"DROP TABLE IF EXISTS {table}")
    else:  # items deleted half way
        con.execute("DELETE FROM search_items WHERE sid > 1")
    assert not index_is_complete(con)
    con.close()


@pytest.mark.parametrize("how", ["postings_missing", "no_index_at_all", "items_missing"])
def test_ingest_with_nothing_new_repairs_an_incomplete_index(built, tmp_path, how):
    folder, db = copy_of(built, tmp_path)
    break_index(db, how)
    result = CliRunner().invoke(cli, ["ingest", str(folder), "--db", str(db), "--no-progress"])
    assert result.exit_code == 0, result.output
    assert "skipped (already known): 1" in result.output
    con = connect(db, read_only=True)
    assert index_is_complete(con)
    con.close()
    search = CliRunner().invoke(cli, ["search", "", "--db", str(db), "--format", "json"])
    assert search.exit_code == 0 and '"item_id"' in search.output


def test_nightly_with_a_full_disk_during_the_build_fails_then_the_next_run_repairs(built, tmp_path, monkeypatch):
    folder, db = copy_of(built, tmp_path)
    break_index(db, "no_index_at_all")
    config = parse_config({"source": [{"name": "inbox", "kind": "folder", "path": str(folder)}]})
    import pipeline.search.index as index_module

    real_build = index_module._build

    def disk_full(con):
        con.execute("CREATE OR REPLACE TABLE search_items AS SELECT 1 AS sid")
        raise duckdb.IOException("IO Error: Could not write file \"w.duckdb.wal\": No space left on device")

    monkeypatch.setattr(index_module, "_build", disk_full)
    con = connect(db)
    errors: list[str] = []
    summary = run_nightly(con, config, workers=1, error=errors.append)
    assert summary.status == "failed" and summary.exit_code_for(allow_failures=True) == 1
    assert "disk_full" in summary.message
    assert any("SEARCH INDEX FAILED" in e for e in errors)
    assert con.execute("SELECT status FROM runs ORDER BY run_id DESC LIMIT 1").fetchone() == ("failed",)
    assert not index_is_complete(con)

    monkeypatch.setattr(index_module, "_build", real_build)
    logged: list[str] = []
    again = run_nightly(con, config, workers=1, log=logged.append)
    assert again.status == "ok", again.message
    assert "search index built" in logged
    assert index_is_complete(con)
    con.close()


def test_check_reports_an_incomplete_index(built, tmp_path):
    folder, db = copy_of(built, tmp_path)
    ok = CliRunner().invoke(cli, ["check", "--db", str(db)])
    assert ok.exit_code == 0 and "the search index is complete" in ok.output, ok.output
    break_index(db, "items_missing")
    broken = CliRunner().invoke(cli, ["check", "--db", str(db)])
    assert broken.exit_code == 1 and "items missing from the search index" in broken.output, broken.output
