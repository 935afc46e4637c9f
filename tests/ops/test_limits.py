"""Per-document limits and a worker that dies: a flate bomb, a page of very many glyphs and a killed worker each
cost one recorded file; the rest of the batch is loaded (also with workers=1: files are always read in a worker)."""
from __future__ import annotations

import os
import shutil
import signal
import threading
import time
from pathlib import Path

import pytest
from ops_support import flate_bomb, glyph_flood, good_pdf

from pipeline.ingest.service import Limits, ingest_paths
from pipeline.warehouse.db import connect
from pipeline.warehouse.integrity import orphan_counts


def run(folder: Path, db: Path, limits: Limits, workers: int = 1):
    con = connect(db)
    try:
        started = time.monotonic()
        report = ingest_paths([folder], con, workers=workers, limits=limits)
        elapsed = time.monotonic() - started
        stored = {Path(p).name for (p,) in con.execute("SELECT source_path FROM documents").fetchall()}
        recorded = dict(con.execute("SELECT source_file, reason FROM ingest_errors").fetchall())
        assert not any(orphan_counts(con).values())
    finally:
        con.close()
    return report, elapsed, stored, recorded


def test_flate_bomb_is_stopped_by_the_memory_limit(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    flate_bomb(folder / "a-bomb.pdf", inflated_mb=1024)  # ~1 MB on disk, 1 GB inflated
    shutil.copy(good_pdf(), folder / "b-good.pdf")
    assert (folder / "a-bomb.pdf").stat().st_size < 2 * 1024 * 1024
    report, elapsed, stored, recorded = run(folder, tmp_path / "w.duckdb", Limits(timeout_seconds=60, memory_mb=256))
    assert recorded == {"a-bomb.pdf": "too_large"}
    assert stored == {"b-good.pdf"}


def test_glyph_flood_is_stopped_by_the_time_limit(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    glyph_flood(folder / "a-glyphs.pdf", glyphs=1_000_000)  # ~4 s of extraction even with the vectorised engine
    shutil.copy(good_pdf(), folder / "b-good.pdf")
    report, elapsed, stored, recorded = run(folder, tmp_path / "w.duckdb", Limits(timeout_seconds=1, memory_mb=0))
    assert recorded == {"a-glyphs.pdf": "timeout"}
    assert stored == {"b-good.pdf"}
    detail = next(o.detail for o in report.outcomes if o.path.endswith("a-glyphs.pdf"))
    assert "1 s" in detail


def test_a_page_that_needs_more_memory_than_the_limit_is_too_large_not_unreadable(tmp_path):
    """A MemoryError while the pdfium engine reads a page (the glyph flood needs ~360 MB) is the memory limit:
    recorded as too_large, not as a broken file (the engine used to turn it into `unreadable`)."""
    folder = tmp_path / "in"
    folder.mkdir()
    glyph_flood(folder / "a-glyphs.pdf", glyphs=1_000_000)
    shutil.copy(good_pdf(), folder / "b-good.pdf")
    con = connect(tmp_path / "w.duckdb")
    try:
        ingest_paths([folder], con, workers=1, limits=Limits(timeout_seconds=60, memory_mb=200))
        recorded = dict(con.execute("SELECT source_file, reason FROM ingest_errors").fetchall())
        stored = {Path(p).name for (p,) in con.execute("SELECT source_path FROM documents").fetchall()}
    finally:
        con.close()
    assert recorded == {"a-glyphs.pdf": "too_large"}
    assert stored == {"b-good.pdf"}


def _children_reading(name: str) -> list[int]:
    """Child processes of this process that have a file called `name` open."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) != os.getpid():
                continue
            if any(os.readlink(fd).endswith(name) for fd in (entry / "fd").iterdir()):
                found.append(int(entry.name))
        except (OSError, ValueError, IndexError):
            continue
    return found


@pytest.mark.skipif(not Path("/proc/self/fd").exists(), reason="needs /proc")
def test_a_worker_that_dies_costs_one_recorded_file_and_the_batch_goes_on(tmp_path):
    """Whatever process reads victim.pdf is killed (as the OOM killer or a crash in the PDF library would):
    the pool is restarted, the other files in flight are read again, the victim is recorded as worker_died."""
    folder = tmp_path / "in"
    folder.mkdir()
    glyph_flood(folder / "b-victim.pdf", glyphs=200_000)  # open for seconds while pdfium reads it
    for index, name in enumerate(["east-0001", "east-0006", "agenda-classic-0003"]):
        shutil.copy(good_pdf(name), folder / f"{'acd'[index]}-{name}.pdf")
    stop = threading.Event()
    kills = []

    def killer():
        while not stop.is_set():
            for pid in _children_reading("b-victim.pdf"):
                try:
                    os.kill(pid, signal.SIGKILL)
                    kills.append(pid)
                except ProcessLookupError:
                    pass
            time.sleep(0.02)

    thread = threading.Thread(target=killer, daemon=True)
    thread.start()
    try:
        report, elapsed, stored, recorded = run(folder, tmp_path / "w.duckdb", Limits(timeout_seconds=60, memory_mb=0),
                                                workers=2)
    finally:
        stop.set()
        thread.join()
    assert kills, "the victim was never read"
    assert recorded == {"b-victim.pdf": "worker_died"}
    assert stored == {"a-east-0001.pdf", "c-east-0006.pdf", "d-agenda-classic-0003.pdf"}
    victim = next(o for o in report.outcomes if o.path.endswith("b-victim.pdf"))
    assert "SIGKILL" in victim.detail
