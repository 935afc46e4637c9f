"""A missing, busy or unreadable warehouse is one line on stderr for every command, never a traceback; busy exits 75
(EX_TEMPFAIL), and a nightly run refused because the warehouse was busy is recorded in `minutes runs`."""
from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner
from ops_support import good_pdf, one_line_error

from pipeline.cli import cli
from pipeline.warehouse.db import connect

COMMANDS = {
    "ingest": lambda db, tmp: ["ingest", str(good_pdf()), "--db", str(db), "--no-progress"],
    "sql": lambda db, tmp: ["sql", "SELECT 1", "--db", str(db)],
    "stats": lambda db, tmp: ["stats", "--db", str(db)],
    "check": lambda db, tmp: ["check", "--db", str(db)],
    "quality": lambda db, tmp: ["quality", "--db", str(db)],
    "search": lambda db, tmp: ["search", "budget", "--db", str(db)],
    "export": lambda db, tmp: ["export", "--db", str(db), "--format", "json", "--out", str(tmp / "out")],
    "serve": lambda db, tmp: ["serve", "--db", str(db), "--port", "0"],
    "runs": lambda db, tmp: ["runs", "--db", str(db)],
}
READERS = [name for name in COMMANDS if name != "ingest"]


@pytest.mark.parametrize("name", READERS)
def test_missing_warehouse_is_one_line(name, tmp_path):
    result = CliRunner().invoke(cli, COMMANDS[name](tmp_path / "none.duckdb", tmp_path))
    assert result.exit_code == 1, result.output
    assert one_line_error(result.stderr) and "no warehouse at" in result.stderr, result.output
    assert not (tmp_path / "none.duckdb").exists()


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_unreadable_warehouse_is_one_line(name, tmp_path):
    db = tmp_path / "w.duckdb"
    db.write_bytes(b"this is not a DuckDB file" * 400)
    result = CliRunner().invoke(cli, COMMANDS[name](db, tmp_path))
    assert result.exit_code == 1, result.output
    assert one_line_error(result.stderr) and "cannot open the warehouse" in result.stderr, result.output


@pytest.fixture(scope="module")
def busy_db(tmp_path_factory):
    """A warehouse held open for writing by another process (as `minutes ingest` or `nightly` would)."""
    db = tmp_path_factory.mktemp("busy") / "w.duckdb"
    connect(db).close()
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import sys, duckdb
        con = duckdb.connect({str(db)!r})
        print("ready", flush=True)
        sys.stdin.read()
    """)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "ready"
    yield db
    holder.stdin.close()
    holder.wait(timeout=30)


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_busy_warehouse_is_one_line_and_exit_75(name, busy_db, tmp_path):
    result = CliRunner().invoke(cli, COMMANDS[name](busy_db, tmp_path))
    assert result.exit_code == 75, result.output
    assert one_line_error(result.stderr) and "busy" in result.stderr, result.output


def test_nightly_refused_because_busy_exits_75_and_is_recorded(busy_db, tmp_path):
    config = tmp_path / "sources.toml"
    (tmp_path / "inbox").mkdir()
    config.write_text(f'[[source]]\nname = "inbox"\nkind = "folder"\npath = "{tmp_path / "inbox"}"\n')
    result = CliRunner().invoke(cli, ["nightly", "--config", str(config), "--db", str(busy_db), "--no-progress"])
    assert result.exit_code == 75, result.output
    assert "busy" in result.stderr and "Traceback" not in result.output
    listing = subprocess.run([str(Path(sys.executable).with_name("minutes")), "runs", "--db", str(busy_db)],
                             capture_output=True, text=True, timeout=60)
    # the warehouse is still busy, yet the refused run is listed (from the file beside it)
    assert "refused" in listing.stdout and "busy" in listing.stdout, listing.stdout + listing.stderr


def test_search_reads_the_snapshot_while_an_ingest_writes(tmp_path):
    """A search during an ingest answers from the last published snapshot instead of failing as busy."""
    db = tmp_path / "w.duckdb"
    ingested = CliRunner().invoke(cli, COMMANDS["ingest"](db, tmp_path))
    assert ingested.exit_code == 0, ingested.output
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import sys, duckdb
        con = duckdb.connect({str(db)!r})
        print("ready", flush=True)
        sys.stdin.read()
    """)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        result = CliRunner().invoke(cli, ["search", "indstilling", "--db", str(db)])
        assert result.exit_code == 0, result.output
        assert "snapshot" in result.stderr and "hits" in result.stdout
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)


def test_a_wal_only_a_writer_can_replay_gives_a_clear_error_and_the_next_run_replays_it(tmp_path):
    """A run killed after building the search index but before its checkpoint leaves a CREATE INDEX in the WAL,
    which DuckDB 1.5 cannot replay read-only (duckdb/duckdb#24103): readers say so in one line; the next
    writing run replays it, and nothing is lost."""
    db = tmp_path / "w.duckdb"
    assert CliRunner().invoke(cli, ["ingest", str(good_pdf()), "--db", str(db), "--no-progress"]).exit_code == 0
    crash = subprocess.run([sys.executable, "-c", textwrap.dedent(f"""
        import os
        from pipeline.search.index import rebuild_index
        from pipeline.warehouse.db import connect
        con = connect({str(db)!r})
        con.execute("PRAGMA disable_checkpoint_on_shutdown")
        rebuild_index(con)  # committed to the WAL with its ART indexes, not yet checkpointed
        os._exit(0)  # as a kill would end it
    """)], capture_output=True, text=True, timeout=120)
    assert crash.returncode == 0, crash.stderr
    assert (tmp_path / "w.duckdb.wal").stat().st_size > 0

    reader = CliRunner().invoke(cli, ["search", "budget", "--db", str(db)])
    assert reader.exit_code == 1, reader.output
    assert one_line_error(reader.stderr) and "interrupted run" in reader.stderr and "minutes ingest" in reader.stderr

    again = CliRunner().invoke(cli, ["ingest", str(good_pdf()), "--db", str(db), "--no-progress"])
    assert again.exit_code == 0, again.output
    assert "skipped (already known): 1" in again.output  # the WAL was replayed: the document is still there
    assert CliRunner().invoke(cli, ["search", "budget", "--db", str(db)]).exit_code == 0
