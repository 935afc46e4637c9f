"""Bad input: each broken file is recorded in ingest_errors with a clear reason, the batch goes on,
nothing stored is damaged, and the CLI exit code follows its rule (1 when a file failed, unless --allow-failures)."""
from __future__ import annotations

import shutil

import numpy as np
import pytest
from pdf_bytes import encrypted_pdf
from click.testing import CliRunner

from core_support import FIXTURES, load_gold, table_counts
from pipeline.cli import cli
from pipeline.ingest.service import ingest_paths, process_file
from pipeline.warehouse.db import connect
from pipeline.warehouse.integrity import orphan_counts

GOOD = "greve-oekonomiudvalget-2022-01-10"
GOOD_2 = "east-0006"


def image_only_pdf(path) -> None:
    """A page with an image and no text layer (what a scan looks like)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(8.27, 11.69))
    fig.figimage(np.random.RandomState(0).rand(200, 150))
    fig.savefig(path)
    plt.close(fig)


@pytest.fixture(scope="module")
def bad_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bad")
    (folder / "download.pdf").write_bytes(b"<!DOCTYPE html><html><body>404 Not Found</body></html>")
    (folder / "empty.pdf").write_bytes(b"")
    data = (FIXTURES / "capital-0008.pdf").read_bytes()
    (folder / "truncated.pdf").write_bytes(data[: len(data) // 2])
    (folder / "encrypted.pdf").write_bytes(encrypted_pdf())
    image_only_pdf(folder / "scanned.pdf")
    return folder


EXPECTED_REASON = {"download.pdf": "not_pdf", "empty.pdf": "empty", "truncated.pdf": "truncated",
                   "scanned.pdf": "no_text_layer"}


@pytest.fixture(scope="module")
def mixed_batch(tmp_path_factory, bad_files):
    """A warehouse holding one good document, then a batch of bad files plus one more good file."""
    db = tmp_path_factory.mktemp("mixed") / "w.duckdb"
    first = tmp_path_factory.mktemp("first")
    shutil.copy(FIXTURES / f"{GOOD}.pdf", first / f"{GOOD}.pdf")
    con = connect(db)
    ingest_paths([first], con, workers=1)
    before = table_counts(con)
    batch = tmp_path_factory.mktemp("batch")
    for f in bad_files.iterdir():
        shutil.copy(f, batch / f.name)
    shutil.copy(FIXTURES / f"{GOOD_2}.pdf", batch / f"{GOOD_2}.pdf")
    report = ingest_paths([batch], con, workers=1)
    errors = {r[0]: (r[1], r[2]) for r in con.execute("SELECT source_file, reason, detail FROM ingest_errors").fetchall()}
    after = table_counts(con)
    per_doc = dict(con.execute("SELECT source_file, count(*) FROM agenda_items GROUP BY 1").fetchall())
    orphans = orphan_counts(con)
    con.close()
    return {"report": report, "errors": errors, "before": before, "after": after, "per_doc": per_doc,
            "orphans": orphans, "db": db, "bad": bad_files}


@pytest.mark.parametrize("name", sorted(EXPECTED_REASON))
def test_bad_file_recorded_with_reason(mixed_batch, name):
    reason, detail = mixed_batch["errors"][name]
    assert reason == EXPECTED_REASON[name]
    assert detail  # a human-readable explanation


def test_encrypted_file_recorded(mixed_batch):
    reason, detail = mixed_batch["errors"]["encrypted.pdf"]
    assert reason in {"encrypted", "unreadable"} and detail
    outcome = next(o for o in mixed_batch["report"].outcomes if o.path.endswith("encrypted.pdf"))
    assert outcome.status == "failed"


def test_encrypted_file_reason_is_encrypted(bad_files):
    _, parsed, reason, detail = process_file(str(bad_files / "encrypted.pdf"), "x")
    assert parsed is None
    assert reason == "encrypted", detail


def test_batch_goes_on_and_good_file_is_ingested(mixed_batch):
    report = mixed_batch["report"]
    assert report.failed == 5 and report.ingested == 1
    assert mixed_batch["per_doc"][f"{GOOD_2}.pdf"] == len(load_gold(GOOD_2)["items"])


def test_stored_documents_not_damaged(mixed_batch):
    before, after = mixed_batch["before"], mixed_batch["after"]
    assert mixed_batch["per_doc"][f"{GOOD}.pdf"] == len(load_gold(GOOD)["items"])
    assert after["documents"] == before["documents"] + 1
    assert after["ingest_errors"] == 5
    assert all(v == 0 for v in mixed_batch["orphans"].values())
    con = connect(mixed_batch["db"], read_only=True)
    try:
        rows = con.execute("SELECT count(*) FROM agenda_items WHERE source_file = ?", [f"{GOOD}.pdf"]).fetchone()[0]
        assert rows == 4
    finally:
        con.close()


def test_cli_exit_1_when_every_file_fails(bad_files, tmp_path):
    result = CliRunner().invoke(cli, ["ingest", str(bad_files), "--db", str(tmp_path / "w.duckdb"),
                                      "--workers", "1", "--no-progress"])
    assert result.exit_code == 1
    assert "failed: 5" in result.output
    con = connect(tmp_path / "w.duckdb", read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM ingest_errors").fetchone()[0] == 5
        assert con.execute("SELECT count(*) FROM documents").fetchone()[0] == 0
    finally:
        con.close()


def test_cli_exit_1_when_some_files_fail_and_errors_are_timestamped_on_stderr(mixed_batch, tmp_path):
    """Bad files plus one file already in the warehouse: the failures make the run exit 1, each failure is a
    timestamped line on stderr; --allow-failures makes the same run exit 0."""
    import re

    db = tmp_path / "w.duckdb"
    shutil.copy(mixed_batch["db"], db)
    batch = tmp_path / "batch"
    shutil.copytree(mixed_batch["bad"], batch)
    shutil.copy(FIXTURES / f"{GOOD}.pdf", batch / f"{GOOD}.pdf")
    result = CliRunner().invoke(cli, ["ingest", str(batch), "--db", str(db), "--workers", "1",
                                                      "--no-progress"])
    assert result.exit_code == 1, result.output
    assert "ingested: 0" in result.stdout and "skipped (already known): 1" in result.stdout and "failed: 5" in result.stdout
    failed = [line for line in result.stderr.splitlines() if "FAILED" in line]
    assert len(failed) == 5
    assert all(re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ FAILED ", line) for line in failed)
    assert "FAILED" not in result.stdout
    allowed = CliRunner().invoke(cli, ["ingest", str(batch), "--db", str(db), "--workers", "1", "--no-progress",
                                       "--allow-failures"])
    assert allowed.exit_code == 0, allowed.output


def test_cli_exit_0_when_every_file_is_ingested(tmp_path):
    batch = tmp_path / "batch"
    batch.mkdir()
    shutil.copy(FIXTURES / f"{GOOD}.pdf", batch / f"{GOOD}.pdf")
    result = CliRunner().invoke(cli, ["ingest", str(batch), "--db", str(tmp_path / "w.duckdb"), "--workers", "1",
                                      "--no-progress"])
    assert result.exit_code == 0, result.output
    assert "ingested: 1" in result.output and "failed: 0" in result.output
