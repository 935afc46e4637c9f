"""The Ray backfill on a local Ray runtime with 2 CPUs: the same warehouse as `minutes ingest`, through a worker
killed mid-run, a driver killed mid-run and re-run, URLs fetched by the workers, a broken file, and documents over
the per-document memory and time limits."""
from __future__ import annotations

import functools
import http.server
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

ray = pytest.importorskip("ray")
psutil = pytest.importorskip("psutil")

from click.testing import CliRunner  # noqa: E402
from ops.ops_support import flate_bomb, glyph_flood, good_pdf  # noqa: E402
from warehouse_snapshot import snapshot  # noqa: E402

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "core"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def pdf_folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("backfill_pdfs")
    for pdf in sorted(FIXTURES.glob("*.pdf")):
        shutil.copy(pdf, folder / pdf.name)
    return folder


@pytest.fixture(scope="module")
def ingest_snapshot(pdf_folder, tmp_path_factory) -> dict:
    """What `minutes ingest --workers 2` makes of the same files: the reference."""
    from pipeline.cli import cli

    db = tmp_path_factory.mktemp("ingest_wh") / "minutes.duckdb"
    result = CliRunner().invoke(cli, ["ingest", str(pdf_folder), "--db", str(db), "--workers", "2", "--no-progress"])
    assert result.exit_code == 0, result.output
    return snapshot(db)


@pytest.fixture(scope="module")
def ray_runtime():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    yield
    ray.shutdown()


def run_backfill(sources: list[str], db: Path, *options: str) -> dict[str, int]:
    """`minutes backfill` in this process (it uses the module's Ray runtime); the summary's counts."""
    from pipeline.cli import cli

    result = CliRunner().invoke(cli, ["backfill", *sources, "--db", str(db), *options])
    summary = next(line for line in result.output.splitlines() if line.startswith("files:"))
    words = summary.replace("(already known)", "").replace(":", "").split()
    counts = {words[i]: int(words[i + 1]) for i in range(0, len(words) - 1, 2) if words[i + 1].isdigit()}
    return counts


def test_backfill_equals_ingest(ray_runtime, pdf_folder, ingest_snapshot, tmp_path):
    db = tmp_path / "minutes.duckdb"
    report = run_backfill([str(pdf_folder)], db)
    assert report["ingested"] == len(list(pdf_folder.glob("*.pdf"))) and report["failed"] == 0
    assert snapshot(db) == ingest_snapshot
    again = run_backfill([str(pdf_folder)], db)  # a re-run loads nothing twice
    assert again["ingested"] == 0 and again["skipped"] == report["ingested"]
    assert snapshot(db) == ingest_snapshot


def busy_ray_workers() -> list[psutil.Process]:
    """The Ray workers running a backfill task now (their process title is ray::run_task)."""
    return [proc for proc in psutil.process_iter(["pid", "cmdline"])
            if any("ray::run_task" in part for part in (proc.info["cmdline"] or []))]


def reading_child(worker: psutil.Process) -> bool:
    """Whether the Ray worker has started the child process that reads its documents (multiprocessing spawn)."""
    try:
        return any("spawn_main" in " ".join(child.cmdline()) for child in worker.children())
    except psutil.Error:
        return False


def kill_one_busy_worker(stop: threading.Event, killed: list[int], orphans: list[psutil.Process]) -> None:
    """SIGKILL the first Ray worker seen running a backfill task while its reading child is up; that child (and
    any other process the worker started) goes to `orphans`, to check that none outlives the worker."""
    while not stop.is_set() and not killed:
        for proc in busy_ray_workers():
            if not reading_child(proc):
                continue
            try:
                children = proc.children(recursive=True)
                proc.kill()
            except psutil.Error:
                continue
            orphans.extend(children)
            killed.append(proc.pid)
            return
        time.sleep(0.05)


def test_a_killed_worker_does_not_stop_the_backfill(ray_runtime, pdf_folder, ingest_snapshot, tmp_path):
    stop, killed, orphans = threading.Event(), [], []
    killer = threading.Thread(target=kill_one_busy_worker, args=(stop, killed, orphans), daemon=True)
    killer.start()
    report = run_backfill([str(pdf_folder)], tmp_path / "minutes.duckdb")
    stop.set()
    killer.join()
    assert killed, "no worker was seen running a task"
    assert report["failed"] == 0 and report["ingested"] == len(list(pdf_folder.glob("*.pdf")))
    assert snapshot(tmp_path / "minutes.duckdb") == ingest_snapshot
    _gone, alive = psutil.wait_procs(orphans, timeout=10)  # the reading child dies with its Ray worker
    assert orphans and not alive


def watch_busy_workers(stop: threading.Event, seen: set[int]) -> None:
    """Collect the pids of every Ray worker seen running a backfill task."""
    while not stop.is_set():
        seen.update(proc.pid for proc in busy_ray_workers())
        time.sleep(0.05)


def test_documents_over_a_limit_are_recorded_and_the_ray_workers_survive(ray_runtime, tmp_path):
    """A flate bomb (1 GB inflated) and a page of a million glyphs cost their own child process, are recorded as
    `too_large` / `timeout` as `minutes ingest` records them, and the other documents are loaded; no Ray worker
    dies (a dead one would have been replaced by Ray, its task retried), and none has a memory limit itself."""
    from pipeline.warehouse.db import connect

    folder = tmp_path / "in"
    folder.mkdir()
    flate_bomb(folder / "a-bomb.pdf", inflated_mb=1024)
    glyph_flood(folder / "b-glyphs.pdf", glyphs=1_000_000)  # ~6 s and ~360 MB of extraction: 600 MB is not reached
    for name in ("east-0001", "east-0006"):
        shutil.copy(good_pdf(name), folder / f"c-{name}.pdf")
    stop, seen = threading.Event(), set()
    watcher = threading.Thread(target=watch_busy_workers, args=(stop, seen), daemon=True)
    watcher.start()
    try:
        report = run_backfill([str(folder)], tmp_path / "minutes.duckdb", "--timeout", "2", "--max-memory-mb", "600")
    finally:
        stop.set()
        watcher.join()
    assert report["ingested"] == 2 and report["failed"] == 2
    con = connect(tmp_path / "minutes.duckdb", read_only=True)
    recorded = {name: (reason, detail) for name, reason, detail in
                con.execute("SELECT source_file, reason, detail FROM ingest_errors").fetchall()}
    stored = {Path(path).name for (path,) in con.execute("SELECT source_path FROM documents").fetchall()}
    con.close()
    assert {name: reason for name, (reason, _) in recorded.items()} == {"a-bomb.pdf": "too_large",
                                                                        "b-glyphs.pdf": "timeout"}
    assert "600 MB" in recorded["a-bomb.pdf"][1] and "2 s" in recorded["b-glyphs.pdf"][1]
    assert stored == {"c-east-0001.pdf", "c-east-0006.pdf"}
    assert seen, "no Ray worker was seen running a task"
    for pid in seen:
        worker = psutil.Process(pid)  # raises NoSuchProcess if this Ray worker died
        assert worker.rlimit(psutil.RLIMIT_AS)[0] == psutil.RLIM_INFINITY


def test_a_killed_driver_is_completed_by_a_rerun(ray_runtime, pdf_folder, ingest_snapshot, tmp_path):
    db = tmp_path / "minutes.duckdb"
    driver = subprocess.Popen([sys.executable, "-m", "pipeline.cli", "backfill", str(pdf_folder), "--db", str(db),
                               "--num-cpus", "1", "--max-in-flight", "1"],
                              cwd=ROOT, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        for line in driver.stderr:  # kill it once the first document is loaded, mid-backfill
            if " loaded," in line and not line.split("(")[1].startswith("0 loaded"):
                break
        os.killpg(driver.pid, signal.SIGKILL)
        driver.wait(timeout=30)
    finally:
        if driver.poll() is None:
            os.killpg(driver.pid, signal.SIGKILL)
    time.sleep(1)  # the killed driver's local Ray processes notice and exit
    report = run_backfill([str(pdf_folder)], db)
    assert report["failed"] == 0 and 1 <= report["skipped"] < len(list(pdf_folder.glob("*.pdf")))
    assert snapshot(db) == ingest_snapshot


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def test_urls_are_fetched_by_workers_and_stored_by_content(ray_runtime, pdf_folder, tmp_path):
    from pipeline.warehouse.db import connect

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(pdf_folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.7\nnot really a pdf")
    manifest = tmp_path / "manifest.txt"
    name = sorted(pdf_folder.glob("*.pdf"))[0].name
    url = f"http://127.0.0.1:{server.server_address[1]}/{name}"
    manifest.write_text(f"# national backfill\n{url}\n{url}\n{broken}\nhttp://127.0.0.1:{server.server_address[1]}/missing.pdf\n")
    try:
        store = tmp_path / "store"
        report = run_backfill([], tmp_path / "minutes.duckdb", "--manifest", str(manifest), "--store-dir", str(store))
    finally:
        server.shutdown()
        server.server_close()
    assert report["ingested"] == 1 and report["failed"] == 2
    con = connect(tmp_path / "minutes.duckdb", read_only=True)
    doc_id, source_path = con.execute("SELECT doc_id, source_path FROM documents").fetchone()
    assert source_path == url
    assert (store / f"{doc_id}.pdf").read_bytes() == (pdf_folder / name).read_bytes()
    reasons = dict(con.execute("SELECT source_path, reason FROM ingest_errors").fetchall())
    con.close()
    assert reasons[str(broken)] in ("truncated", "unreadable", "not_pdf")
    assert reasons[url.replace(name, "missing.pdf")].startswith("fetch_")
