"""The read-ahead process (pipeline/ingest/readahead.py): it extracts the first files while the parser loads, its
extractions are the engine's own, a damaged or foreign one is never used, and an ingest that reads ahead stores
exactly what one without it stores -- failures included, with the same reasons."""
from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from ops_support import PDFS, REPO, glyph_flood
from warehouse_snapshot import snapshot

from pipeline.extract import extract_document
from pipeline.ingest.readahead import ReadAhead, load_extracted
from pipeline.ingest.service import Job, Limits, ingest_paths, process_file, sha256_of
from pipeline.warehouse.db import connect

CORE = REPO / "tests" / "fixtures" / "core"


def jobs_for(paths: list[Path]) -> list[Job]:
    return [Job(k, path, sha256_of(path), path.stat().st_size) for k, path in enumerate(paths)]


def wait_for(folder: Path, count: int, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while len(list(folder.glob("*.extracted"))) < count and time.monotonic() < deadline:
        time.sleep(0.05)


def test_the_read_ahead_extracts_what_the_engine_extracts():
    paths = sorted(PDFS.glob("*.pdf"))[:3]
    ahead = ReadAhead(jobs_for(paths), "pdfium", Limits(timeout_seconds=60, memory_mb=1024),
                      multiprocessing.get_context("fork"))
    try:
        wait_for(ahead.folder, len(paths))
        done = ahead.stop()
        assert not ahead.process.is_alive()
        assert set(done) == {str(p) for p in paths}
        for path in paths:
            sha = sha256_of(path)
            assert load_extracted(done[str(path)], sha) == extract_document(path, sha, "pdfium")
    finally:
        ahead.remove()
    assert not ahead.folder.exists()


def test_stopping_drops_the_file_being_read(tmp_path):
    flood = glyph_flood(tmp_path / "flood.pdf", glyphs=1_000_000)  # seconds of work: still being read at stop
    ahead = ReadAhead(jobs_for([flood]), "pdfium", Limits(timeout_seconds=120, memory_mb=2048),
                      multiprocessing.get_context("fork"))
    try:
        time.sleep(0.3)
        assert ahead.process.is_alive()
        assert ahead.stop() == {}
        assert ahead.process.exitcode is not None
    finally:
        ahead.remove()


def test_a_damaged_or_foreign_extraction_is_not_used(tmp_path):
    path = PDFS / "east-0001.pdf"
    sha = sha256_of(path)
    damaged = tmp_path / "0.extracted"
    damaged.write_bytes(b"\x80\x05not a pickle")
    assert load_extracted(str(damaged), sha) is None
    assert load_extracted(str(tmp_path / "missing.extracted"), sha) is None
    other = PDFS / "east-0006.pdf"
    ahead = ReadAhead(jobs_for([other]), "pdfium", Limits(), multiprocessing.get_context("fork"))
    try:
        wait_for(ahead.folder, 1)
        foreign = ahead.stop()[str(other)]
        assert load_extracted(foreign, sha) is None  # another file's bytes
        # a worker given an unusable extraction reads the PDF itself: the same result as without one
        with_damaged = process_file(str(path), sha, "pdfium", 60, extracted_file=str(damaged))
        without = process_file(str(path), sha, "pdfium", 60)
        assert with_damaged[1] is not None and with_damaged[1].meeting == without[1].meeting
    finally:
        ahead.remove()


INGEST_IN_A_FRESH_PROCESS = """
import json, sys
from pathlib import Path
import pipeline.ingest.service as service
from pipeline.warehouse.db import connect

handed = []
stop = service.ReadAhead.stop
def counting_stop(self):
    done = stop(self)
    handed.append(len(done))
    return done
service.ReadAhead.stop = counting_stop
con = connect(Path(sys.argv[2]))
report = service.ingest_paths([Path(sys.argv[1])], con, workers=2)
con.close()
print(json.dumps({"handed": handed[:1], "ingested": report.ingested, "failed": report.failed}))
"""


def test_an_ingest_that_reads_ahead_stores_what_one_without_it_stores(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for pdf in sorted(PDFS.glob("*.pdf")) + sorted(CORE.glob("*.pdf"))[:4]:
        shutil.copy(pdf, folder / pdf.name)
    portal = sorted((REPO / "tests" / "fixtures" / "portal" / "greve").glob("*.json"))[0]
    shutil.copy(portal, folder / f"a-{portal.name}")  # FirstAgenda JSON: read by the pool, never ahead
    (folder / "aa-damaged.pdf").write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ngarbage")
    (folder / "ab-not-a-pdf.pdf").write_text("Dagsorden\n1. Godkendelse\n")
    (folder / "ac-empty.pdf").write_bytes(b"")
    files = len(list(folder.iterdir()))

    fresh = tmp_path / "fresh.duckdb"  # a new interpreter: the parser is not loaded, so the pool reads ahead
    temp = tmp_path / "temp"
    temp.mkdir()
    out = subprocess.run([sys.executable, "-c", INGEST_IN_A_FRESH_PROCESS, str(folder), str(fresh)], cwd=REPO,
                         capture_output=True, text=True, timeout=300,
                         env={**os.environ, "PYTHONPATH": str(REPO), "TMPDIR": str(temp)})
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["handed"] and result["handed"][0] >= 1  # the read-ahead finished at least one file in time
    assert result["ingested"] + result["failed"] == files and result["failed"] == 3

    plain = tmp_path / "plain.duckdb"  # this process: the parser is loaded, no read-ahead
    con = connect(plain)
    report = ingest_paths([folder], con, workers=2)
    con.close()
    assert report.ingested == result["ingested"]
    assert snapshot(fresh) == snapshot(plain)
    assert not list(temp.iterdir())  # the read-ahead's folder is removed


def test_a_folder_left_by_a_killed_ingest_is_removed_by_the_next(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = tmp_path / f"minutes-readahead-{int(dead.stdout)}-x1"
    stale.mkdir()
    (stale / "0.extracted").write_bytes(b"left behind")
    live = tmp_path / f"minutes-readahead-{os.getpid()}-x2"  # a running ingest's folder stays
    live.mkdir()
    other = tmp_path / "minutes-readahead-notes"
    other.mkdir()
    ahead = ReadAhead([], "pdfium", Limits(), multiprocessing.get_context("fork"))
    ahead.stop()
    ahead.remove()
    assert not stale.exists() and live.exists() and other.exists()


def test_without_a_temp_folder_the_pool_reads_every_file(tmp_path, monkeypatch):
    import pipeline.ingest.service as service

    folder = tmp_path / "in"
    folder.mkdir()
    for pdf in sorted(PDFS.glob("*.pdf"))[:2]:
        shutil.copy(pdf, folder / pdf.name)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "no-such-folder"))
    monkeypatch.setattr(service, "parser_loaded", lambda: False)  # as in a fresh process: it would read ahead
    with pytest.raises(OSError):  # a read-ahead without a temp folder does not start
        ReadAhead(jobs_for(sorted(folder.iterdir())), "pdfium", Limits(), multiprocessing.get_context("fork"))
    con = connect(tmp_path / "w.duckdb")
    report = ingest_paths([folder], con, workers=2)
    con.close()
    assert report.ingested == 2 and report.failed == 0
