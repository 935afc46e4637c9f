"""Hostile inputs of the robustness review: odd file names and file types never stop a batch, and every
skipped input is recorded with its reason."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from ops_support import good_pdf

from pipeline.ingest.service import ingest_paths, scan_inputs
from pipeline.warehouse.db import connect

NON_UTF8 = os.fsdecode(b"referat-\xe6\xf8\xe5-latin1.pdf")  # a Latin-1 file name, not valid UTF-8


def errors(con) -> dict[str, str]:
    return dict(con.execute("SELECT source_path, reason FROM ingest_errors").fetchall())


@pytest.fixture(scope="module")
def hostile_batch(tmp_path_factory):
    """A folder with a non-UTF-8 name sorted first, a FIFO, a symlink loop, a duplicate, then good files."""
    folder = tmp_path_factory.mktemp("hostile")
    shutil.copy(good_pdf("east-0006"), folder / NON_UTF8)
    os.mkfifo(folder / "b-fifo.pdf")
    os.mkfifo(folder / "b-fifo.json")  # a portal-JSON name: its content must not be sniffed (opening would block)
    os.symlink("c-loop.pdf", folder / "c-loop.pdf")
    shutil.copy(good_pdf("east-0001"), folder / "d-first.pdf")
    shutil.copy(good_pdf("east-0001"), folder / "e-same-bytes.pdf")
    shutil.copy(good_pdf("agenda-classic-0003"), folder / "z-last.pdf")
    db = tmp_path_factory.mktemp("db") / "w.duckdb"
    con = connect(db)
    started = time.monotonic()
    report = ingest_paths([folder, Path("/dev/zero")], con, workers=1)
    elapsed = time.monotonic() - started
    result = {"report": report, "errors": errors(con), "elapsed": elapsed, "folder": folder,
              "documents": dict(con.execute("SELECT source_path, doc_id FROM documents").fetchall())}
    con.close()
    return result


def outcome(batch, name):
    return next(o for o in batch["report"].outcomes if o.path.endswith(name))


def test_non_utf8_file_name_is_ingested_and_files_after_it_too(hostile_batch):
    stored = [p for p in hostile_batch["documents"] if "referat-" in p]
    assert stored == [str(hostile_batch["folder"] / "referat-\\xe6\\xf8\\xe5-latin1.pdf")]  # bytes kept as escapes
    assert any(p.endswith("z-last.pdf") for p in hostile_batch["documents"])
    assert hostile_batch["report"].ingested == 3


def test_fifo_device_and_symlink_loop_are_skipped_with_a_record(hostile_batch):
    reasons = {Path(p).name: r for p, r in hostile_batch["errors"].items()}
    assert reasons["b-fifo.pdf"] == "not_regular_file"
    assert reasons["b-fifo.json"] == "not_regular_file"
    assert reasons["zero"] == "not_regular_file"
    assert reasons["c-loop.pdf"] == "symlink_loop"
    assert hostile_batch["elapsed"] < 120  # it returned (reading a FIFO or /dev/zero never would)


def test_identical_files_in_one_batch_second_is_duplicate_content(hostile_batch):
    first, second = outcome(hostile_batch, "d-first.pdf"), outcome(hostile_batch, "e-same-bytes.pdf")
    assert first.status == "ingested"
    assert (second.status, second.reason) == ("skipped", "duplicate_content")
    assert "d-first.pdf" in second.detail
    assert [p for p in hostile_batch["documents"] if "same-bytes" in p] == []


def test_cli_ingest_of_dev_zero_and_a_fifo_returns_at_once(tmp_path):
    os.mkfifo(tmp_path / "pipe.pdf")
    script = Path(sys.executable).with_name("minutes")
    started = time.monotonic()
    result = subprocess.run([str(script), "ingest", "/dev/zero", str(tmp_path / "pipe.pdf"), "--db",
                             str(tmp_path / "w.duckdb"), "--no-progress"], capture_output=True, text=True, timeout=60)
    assert time.monotonic() - started < 60
    assert result.returncode == 1
    assert "not_regular_file" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads folders whatever their mode")
def test_unreadable_subfolder_is_skipped_with_a_record(tmp_path):
    folder = tmp_path / "in"
    (folder / "locked").mkdir(parents=True)
    shutil.copy(good_pdf(), folder / "locked" / "a.pdf")
    os.chmod(folder / "locked", 0)
    try:
        files, problems = scan_inputs([folder])
    finally:
        os.chmod(folder / "locked", 0o755)
    assert files == [] and [(p.path.name, p.reason) for p in problems] == [("locked", "unreadable_folder")]


def test_unlistable_folder_is_recorded(tmp_path, monkeypatch):
    """The same as root: a folder whose listing fails (here os.scandir raising EACCES) is recorded, the rest goes on."""
    folder = tmp_path / "in"
    (folder / "locked").mkdir(parents=True)
    shutil.copy(good_pdf(), folder / "ok.pdf")
    real = os.scandir

    def scandir(path):
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    files, problems = scan_inputs([folder])
    assert [f.name for f in files] == ["ok.pdf"]
    assert [(p.path.name, p.reason) for p in problems] == [("locked", "unreadable_folder")]


def test_nightly_folder_source_goes_past_a_non_utf8_name(tmp_path):
    from pipeline.ingest.nightly import run_nightly
    from pipeline.ingest.sources import parse_config

    folder = tmp_path / "archive"
    folder.mkdir()
    shutil.copy(good_pdf("east-0006"), folder / NON_UTF8)
    os.mkfifo(folder / "b-fifo.pdf")
    shutil.copy(good_pdf("east-0001"), folder / "z-after.pdf")
    config = parse_config({"source": [{"name": "archive", "kind": "folder", "path": str(folder)}]})
    con = connect(tmp_path / "w.duckdb")
    try:
        summary = run_nightly(con, config, workers=1)
        assert summary.status == "partial", summary.message  # the FIFO is a recorded failure
        source = summary.sources[0]
        assert source.ingested == 2
        assert [f["reason"] for f in source.ingest_failures] == ["not_regular_file"]
        row = con.execute("SELECT status, ingested, failed FROM run_sources").fetchone()
        assert row == ("partial", 2, 1)
    finally:
        con.close()
