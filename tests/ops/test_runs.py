"""Every nightly run is recorded with its reason, also one that crashes: one line on stderr, exit 1, no traceback."""
from __future__ import annotations

import duckdb
from click.testing import CliRunner

import pipeline.ingest.service as service
from pipeline.cli import cli


def test_a_crashing_run_is_recorded_as_crashed_with_its_reason(tmp_path, monkeypatch):
    (tmp_path / "inbox").mkdir()
    (tmp_path / "inbox" / "a.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
    config = tmp_path / "sources.toml"
    config.write_text(f'[[source]]\nname = "inbox"\nkind = "folder"\npath = "{tmp_path / "inbox"}"\n')

    def explode(*args, **kwargs):
        raise RuntimeError("something nobody expected")

    monkeypatch.setattr(service, "ingest_paths", explode)
    db = tmp_path / "w.duckdb"
    result = CliRunner().invoke(cli, ["nightly", "--config", str(config), "--db", str(db), "--no-progress"])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert "crashed: RuntimeError: something nobody expected" in result.stderr
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert con.execute("SELECT status, message FROM runs").fetchall() == \
            [("crashed", "RuntimeError: something nobody expected")]
    finally:
        con.close()
    listing = CliRunner().invoke(cli, ["runs", "--db", str(db)])
    assert "crashed" in listing.output and "something nobody expected" in listing.output


def test_a_run_with_a_bad_config_is_recorded_beside_the_warehouse(tmp_path):
    config = tmp_path / "sources.toml"
    config.write_text("[[source]]\nname = 'x'\nkind = 'ftp'\n")
    result = CliRunner().invoke(cli, ["nightly", "--config", str(config), "--db", str(tmp_path / "w.duckdb")])
    assert result.exit_code == 2 and "bad config" in result.stderr
    listing = CliRunner().invoke(cli, ["runs", "--db", str(tmp_path / "w.duckdb")])
    assert listing.exit_code == 0 and "bad config" in listing.output
