"""`minutes sql` is read-only in fact: every way out of the warehouse found by the robustness review is refused,
and the warehouse file is left exactly as it was."""
from __future__ import annotations

import hashlib

import duckdb
import pytest
from click.testing import CliRunner

from pipeline.cli import cli
from pipeline.warehouse.db import connect, connect_sandboxed


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sandbox")
    db = folder / "w.duckdb"
    con = connect(db)
    con.execute("INSERT INTO documents (doc_id, source_file, source_path, status, ingested_at) "
                "VALUES ('abc', 'a.pdf', 'a.pdf', 'parsed', now())")
    con.close()
    (folder / "secret.csv").write_text("user,password\nroot,hunter2\n")
    return folder, db


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


ATTACKS = {
    "copy_over_the_warehouse": "COPY (SELECT 42) TO '{db}' (FORMAT csv)",
    "copy_to_a_file": "COPY documents TO '{folder}/out.csv'",
    "copy_to_parquet": "COPY documents TO '{folder}/out.parquet' (FORMAT parquet)",
    "export_database": "EXPORT DATABASE '{folder}/dump'",
    "read_text": "SELECT * FROM read_text('/etc/passwd')",
    "read_blob": "SELECT * FROM read_blob('/etc/hostname')",
    "read_csv": "SELECT * FROM read_csv('{folder}/secret.csv')",
    "replacement_scan": "SELECT * FROM '{folder}/secret.csv'",
    "glob": "SELECT * FROM glob('/etc/*')",
    "install": "INSTALL httpfs",
    "load": "LOAD httpfs",
    "attach_file": "ATTACH '{folder}/other.duckdb' AS other",
    "set_back_external_access": "SET enable_external_access = true",
    "reset_external_access": "RESET enable_external_access",
    "unlock_configuration": "SET lock_configuration = false",
    "insert": "INSERT INTO documents (doc_id, source_file, source_path, status, ingested_at) "
              "VALUES ('x', 'x', 'x', 'parsed', now())",
    "delete": "DELETE FROM documents",
    "drop": "DROP TABLE documents",
    "create": "CREATE TABLE evil AS SELECT 1",
}


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_cli_sql_refuses(warehouse, name):
    folder, db = warehouse
    before = digest(db)
    files_before = sorted(p.name for p in folder.iterdir())
    result = CliRunner().invoke(cli, ["sql", ATTACKS[name].format(db=db, folder=folder), "--db", str(db)])
    assert result.exit_code == 1, result.output
    assert "Error" in result.output and "Traceback" not in result.output
    assert "hunter2" not in result.output and "root:" not in result.output
    assert digest(db) == before  # the warehouse file is intact
    assert sorted(p.name for p in folder.iterdir()) == files_before  # nothing written beside it


def test_cli_sql_still_reads_the_warehouse(warehouse):
    folder, db = warehouse
    result = CliRunner().invoke(cli, ["sql", "SELECT doc_id, source_file FROM documents", "--db", str(db),
                                      "--format", "json"])
    assert result.exit_code == 0, result.output
    assert '"doc_id": "abc"' in result.output


def test_sandbox_does_not_lock_other_connections_of_the_process(warehouse, tmp_path):
    """DuckDB shares settings between connections of one process to one file: the sandbox must not leak."""
    _, db = warehouse
    reader = connect(db, read_only=True)
    sandbox = connect_sandboxed(db)
    try:
        reader.execute(f"COPY documents TO '{tmp_path / 'export.csv'}'")  # what `minutes export` does
        assert (tmp_path / "export.csv").exists()
        with pytest.raises(duckdb.Error):
            sandbox.execute(f"COPY documents TO '{tmp_path / 'other.csv'}'")
    finally:
        sandbox.close()
        reader.close()


def test_library_sandbox_is_locked(warehouse):
    """The library function other places that expose SQL use: read works, every setting is locked."""
    _, db = warehouse
    con = connect_sandboxed(db)
    try:
        assert con.execute("SELECT count(*) FROM documents").fetchone() == (1,)
        assert con.execute("SELECT current_setting('enable_external_access')").fetchone() == (False,)
        with pytest.raises(duckdb.Error):
            con.execute("SET enable_external_access = true")
        with pytest.raises(duckdb.Error):
            con.execute("SELECT * FROM read_text('/etc/passwd')")
    finally:
        con.close()
