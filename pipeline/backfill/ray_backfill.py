"""`minutes backfill`: the national backfill on Ray.

The driver plans (finds files, hashes them, skips what the warehouse already has, exactly as `minutes ingest`
does), keeps at most `max_in_flight` tasks on the cluster, and loads every result the moment it arrives, one
DuckDB transaction per document — so an interrupted backfill re-run skips what was loaded and never leaves a half
document. For a URL the Ray worker first downloads it with the nightly job's polite client (size cap, time limit,
retries) and sends the bytes back, which the driver stores content-addressed before loading.

A Ray worker never reads a document itself: it hands it to its own child process, the ingest's `WorkerPool` with
one worker under the backfill's `Limits` (memory limit, time limit, no core files), so a decompression bomb or a
page that never ends costs that child — recorded as `too_large` / `timeout` exactly as `minutes ingest` records
it — and never the Ray worker, its node's memory or Ray's retries. The child is spawned, not forked (a Ray worker
runs gRPC threads), once per Ray worker, and kept for its next tasks, so the parser is loaded once per worker.
Ray retries a task whose Ray worker itself died (`max_retries`: killed, node lost); a document that still fails
is recorded in `ingest_errors` and the backfill goes on.
"""
from __future__ import annotations

import hashlib
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

import duckdb

from pipeline.atomic import FILE_MODE, write_atomically
from pipeline.ingest.service import (DEFAULT_LIMITS, FileOutcome, IngestBatch, IngestReport, Job, Limits, WorkerPool,
                                     path_text)

TASK_RETRIES = 3  # Ray re-runs a task this often when its Ray worker process dies (not when a document's child does)


@dataclass
class Task:
    """One document to process: a local path (hashed by the driver) or a URL (hashed once downloaded)."""

    source: str
    sha256: str | None = None
    job: Job | None = None  # the ingest's plan entry of a local file

    @property
    def is_url(self) -> bool:
        return self.source.startswith(("http://", "https://"))


@dataclass
class TaskResult:
    source: str
    parsed: object | None  # ParsedDocument
    reason: str | None
    detail: str | None
    sha256: str | None
    size: int
    pdf_bytes: bytes | None = None  # a downloaded PDF, to be stored by the driver


@dataclass
class Progress:
    done: int
    failed: int
    skipped: int
    total: int
    pages: int
    seconds: float

    def line(self) -> str:
        rate = self.pages / self.seconds if self.seconds > 0 else 0.0
        return (f"backfill: {self.done + self.failed + self.skipped}/{self.total} documents "
                f"({self.done} loaded, {self.failed} failed, {self.skipped} skipped) · {rate:.1f} pages/s")


def read_manifest(path: Path) -> list[str]:
    """Sources listed one per line (local paths or http(s) URLs); blank lines and '#' comments are ignored."""
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def plan(sources: Iterable[str], batch: IngestBatch) -> list[Task]:
    """Tasks for every source the warehouse does not have yet: local files planned exactly as `minutes ingest`
    plans them (known, superseded and unreadable files are reported at once), URLs not loaded before."""
    local = [Path(s) for s in sources if not s.startswith(("http://", "https://"))]
    tasks = [Task(path_text(job.path), job.sha, job) for job in batch.plan(local)]
    for url in dict.fromkeys(s for s in sources if s.startswith(("http://", "https://"))):
        if batch.con.execute("SELECT 1 FROM documents WHERE source_path = ?", [url]).fetchone():
            batch.finish(FileOutcome(url, "skipped", "already_ingested", "this URL was loaded before"))
        else:
            tasks.append(Task(url))
    return tasks


_reader: WorkerPool | None = None  # this Ray worker's child process that reads documents, kept between tasks


def _document_reader(engine: str, limits: Limits) -> WorkerPool:
    """This Ray worker's reader: started by its first task, reused by the next ones (and replaced when a task
    brings another engine or other limits). Its child is spawned: forking a Ray worker copies its gRPC threads'
    locks in whatever state they are in."""
    global _reader
    if _reader is not None and (_reader.engine, _reader.limits) != (engine, limits):
        _reader.close()
        _reader = None
    if _reader is None:
        _reader = WorkerPool(1, engine, limits, start_method="spawn")
    return _reader


def run_task(task: Task, engine: str, limits: Limits = DEFAULT_LIMITS) -> TaskResult:
    """Extract and parse one document (runs on a Ray worker) in the worker's child process under `limits`, the
    driver's (a cluster's workers have no limits of their own). Never raises for a bad document."""
    if not task.is_url:
        name, parsed, reason, detail = _document_reader(engine, limits).read(task.job)
        return TaskResult(name, parsed, reason, detail, task.sha256, task.job.size)
    from pipeline.ingest.fetch import FetchError, PoliteClient
    from pipeline.ingest.sources import FetchSettings

    settings = FetchSettings()
    client = PoliteClient(settings, allowed_hosts=set())
    try:
        body = client.get(task.source, max_bytes=settings.max_bytes).body
    except FetchError as exc:
        return TaskResult(task.source, None, f"fetch_{exc.reason}", exc.detail, None, 0)
    sha = hashlib.sha256(body).hexdigest()
    with tempfile.TemporaryDirectory(prefix="minutes-backfill-") as folder:
        local = Path(folder) / f"{sha}.pdf"
        local.write_bytes(body)
        _, parsed, reason, detail = _document_reader(engine, limits).read(Job(0, local, sha, len(body)))
    return TaskResult(task.source, parsed, reason, detail, sha, len(body), body)


def _store_download(result: TaskResult, store_dir: Path) -> Path:
    """A downloaded PDF written content-addressed and whole (temp file, fsync, rename), so a row never points at
    other bytes or half a file; readable by whoever serves the folder (`--pdf-dir`)."""
    target = store_dir / f"{result.sha256}.pdf"
    if not target.exists():
        write_atomically(target, result.pdf_bytes or b"", FILE_MODE)
    return target


def backfill(sources: Iterable[str], con: duckdb.DuckDBPyConnection, ray_address: str | None = None,
             num_cpus: int | None = None, max_in_flight: int | None = None, engine: str = "pdfium",
             store_dir: Path = Path("data/raw/backfill"),
             on_progress: Callable[[Progress], None] | None = None, limits: Limits = DEFAULT_LIMITS) -> IngestReport:
    """Ingest `sources` (paths, folders, URLs) with extraction and parsing as tasks on a Ray cluster.

    ray_address: None starts a local Ray runtime on this machine (num_cpus CPUs); 'auto' or 'ray://HOST:PORT'
    joins an existing cluster. Results are loaded by this process only, one transaction per document.
    limits: per-document time and memory limits, as `minutes ingest` applies them; sent with every task.
    """
    import ray

    started = time.monotonic()
    total = [0]

    def progress(_outcome: FileOutcome) -> None:
        if on_progress:
            report = batch.report
            on_progress(Progress(report.ingested, report.failed, report.skipped, max(total[0], report.found),
                                 report.pages, time.monotonic() - started))

    batch = IngestBatch(con, progress)
    tasks = plan(list(sources), batch)
    total[0] = len(tasks) + batch.report.found
    if not tasks:
        return batch.report
    owns_runtime = not ray.is_initialized()
    if owns_runtime:
        ray.init(address=ray_address, num_cpus=num_cpus if ray_address is None else None,
                 include_dashboard=False, log_to_driver=False, configure_logging=False)
    try:
        in_flight_cap = max_in_flight or 2 * max(1, int(ray.cluster_resources().get("CPU", 1)))
        remote_task = ray.remote(num_cpus=1, max_retries=TASK_RETRIES)(run_task)
        pending: dict = {}
        for task in tasks:
            pending[remote_task.remote(task, engine, limits)] = task
            if len(pending) >= in_flight_cap:
                _drain_one(ray, pending, batch, store_dir)
        while pending:
            _drain_one(ray, pending, batch, store_dir)
    finally:
        if owns_runtime:
            ray.shutdown()
    return batch.report


def _drain_one(ray, pending: dict, batch: IngestBatch, store_dir: Path) -> None:
    """Wait for one task and load its document with the ingest's own loader (or record why it failed)."""
    (ref,), _ = ray.wait(list(pending), num_returns=1)
    task = pending.pop(ref)
    try:
        result: TaskResult = ray.get(ref)
    except Exception as exc:  # the task failed for good: its worker died on every retry, or the node was lost
        batch.fail(task.source, task.sha256, "worker_failed", f"{exc.__class__.__name__}: {exc}"[:2000])
        return
    job = task.job
    if task.is_url:
        if result.parsed is not None:
            skip = batch.skip_reason(result.source, result.sha256)
            if skip:
                batch.finish(FileOutcome(result.source, "skipped", skip[0], skip[1], result.sha256))
                return
            _store_download(result, store_dir)
        job = Job(0, result.source, result.sha256, result.size)
    batch.load(job, (result.source, result.parsed, result.reason, result.detail))
