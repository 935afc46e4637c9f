"""The nightly job: one run at a time (lock file), fetch every source, ingest what is new, record the run.

Crash safety: every document is loaded in its own transaction and every download is temp file + fsync + rename,
so a SIGKILL at any moment leaves whole documents and whole files. Files downloaded but not ingested are found
again by the next run (their bytes are not in `documents`), and a run left 'running' is marked 'crashed'.
"""
from __future__ import annotations

import errno
import fcntl
import os
import socket
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Callable

import duckdb

from pipeline.ingest.fetch import (FetchResult, dumps, ensure_fetch_state, failure_reasons, fetch_http_source,
                                   mark_ingested, now, pending_files)
from pipeline.ingest.sources import Config, Source

EXIT_OK = 0
EXIT_SOURCE_FAILED = 1
EXIT_FILES_FAILED = 1  # single files failed (unless the operator allows it: --allow-failures)
EXIT_LOCKED = 75  # EX_TEMPFAIL: another run holds the lock, or the warehouse is busy; try again later

RUNS_DDL = """
CREATE TABLE IF NOT EXISTS runs (
    run_id      INTEGER PRIMARY KEY,
    started_at  TIMESTAMP NOT NULL,
    ended_at    TIMESTAMP,
    status      VARCHAR NOT NULL,    -- running | ok | partial | failed | crashed | refused
    pid         INTEGER,
    hostname    VARCHAR,
    config      VARCHAR,
    downloaded  INTEGER,
    ingested    INTEGER,
    failed      INTEGER,
    message     VARCHAR
);
CREATE TABLE IF NOT EXISTS run_sources (
    run_id        INTEGER NOT NULL,
    source        VARCHAR NOT NULL,
    municipality  VARCHAR,
    kind          VARCHAR NOT NULL,  -- http | folder
    status        VARCHAR NOT NULL,  -- fetched | ok | partial | failed
    started_at    TIMESTAMP,
    ended_at      TIMESTAMP,
    found         INTEGER,           -- PDF links (http) or PDF files (folder)
    downloaded    INTEGER,           -- new or changed files stored
    unchanged     INTEGER,           -- answered 304, or same bytes as last time
    duplicates    INTEGER,           -- same bytes as another URL: stored once
    blocked       INTEGER,           -- disallowed by robots.txt
    ingested      INTEGER,
    skipped       INTEGER,           -- content already in the warehouse
    failed        INTEGER,           -- fetch failures + ingest failures
    pages         INTEGER,
    requests      INTEGER,
    reasons       VARCHAR,           -- JSON {reason: count}
    failures      VARCHAR,           -- JSON [{url|path, reason, detail}], first 50
    error         VARCHAR,           -- why the whole source failed
    PRIMARY KEY (run_id, source)
);
"""


def ensure_run_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(RUNS_DDL)
    ensure_fetch_state(con)


# -- lock -------------------------------------------------------------------------------------------------------
class LockBusy(Exception):
    def __init__(self, path: Path, holder: str):
        super().__init__(f"another nightly run holds {path} ({holder or 'holder unknown'})")
        self.path, self.holder = path, holder


def lock_path_for(db_path: Path) -> Path:
    return Path(db_path).with_name(Path(db_path).name + ".nightly.lock")


class NightlyLock:
    """An exclusive lock on a file next to the warehouse, holding 'pid=… started=…'.

    fcntl.lockf (a POSIX record lock) rather than flock: flock locks belong to the open file and are shared with
    forked children, so the extraction workers of a killed run would keep holding it. A POSIX lock belongs to
    this process alone and the kernel drops it when the process dies, however it dies: a crash never leaves
    the lock stuck, and the file's content is only a hint for humans.
    """

    def __init__(self, path: Path):
        self.path = Path(path)
        self.fd: int | None = None

    def acquire(self) -> "NightlyLock":
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            holder = os.pread(fd, 4096, 0).decode("utf-8", errors="replace").strip()
            os.close(fd)
            if exc.errno in (errno.EACCES, errno.EAGAIN):
                raise LockBusy(self.path, holder) from None
            raise
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid={os.getpid()} started={datetime.now().astimezone().isoformat(timespec='seconds')} "
                      f"host={socket.gethostname()}\n".encode(), 0)
        os.fsync(fd)
        self.fd = fd
        return self

    def release(self) -> None:
        if self.fd is not None:
            os.ftruncate(self.fd, 0)
            fcntl.lockf(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None

    def __enter__(self) -> "NightlyLock":
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()


# -- the run ----------------------------------------------------------------------------------------------------
@dataclass
class SourceRun:
    source: Source
    started_at: datetime
    fetch: FetchResult = field(default_factory=FetchResult)
    ended_at: datetime | None = None
    ingested: int = 0
    skipped: int = 0
    ingest_failures: list[dict] = field(default_factory=list)
    pages: int = 0
    error: str | None = None

    @property
    def failed(self) -> int:
        return len(self.fetch.failures) + len(self.ingest_failures)

    @property
    def status(self) -> str:
        if self.error:
            return "failed"
        return "partial" if self.failed else "ok"

    @property
    def reasons(self) -> dict[str, int]:
        return failure_reasons(self.fetch.failures + self.ingest_failures)


@dataclass
class RunSummary:
    run_id: int
    status: str
    sources: list[SourceRun]
    message: str | None = None

    def exit_code_for(self, allow_failures: bool = False) -> int:
        """1 when a source (or the search index) failed; 1 also for single failed files unless allowed."""
        if self.status in ("failed", "crashed"):
            return EXIT_SOURCE_FAILED
        if self.status == "partial" and not allow_failures:
            return EXIT_FILES_FAILED
        return EXIT_OK

    @property
    def exit_code(self) -> int:
        return self.exit_code_for(allow_failures=True)


def _start_run(con, config: Config, db_path: Path | None = None) -> int:
    ensure_run_tables(con)
    if db_path is not None:
        from pipeline.ingest.runlog import import_unwritten_runs

        import_unwritten_runs(con, db_path)  # refusals written beside the warehouse while it was busy
    # we hold the lock, so any run still 'running' died without finishing
    con.execute("UPDATE runs SET status = 'crashed', message = coalesce(message, 'process died before the end') "
                "WHERE status = 'running'")
    run_id = con.execute("SELECT coalesce(max(run_id), 0) + 1 FROM runs").fetchone()[0]
    con.execute("INSERT INTO runs (run_id, started_at, status, pid, hostname, config) VALUES (?, ?, 'running', ?, ?, ?)",
                [run_id, now(), os.getpid(), socket.gethostname(), str(config.path) if config.path else None])
    return run_id


def _save_source(con, run_id: int, sr: SourceRun, status: str | None = None) -> None:
    f = sr.fetch
    con.execute("INSERT OR REPLACE INTO run_sources VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [run_id, sr.source.name, sr.source.municipality, sr.source.kind, status or sr.status, sr.started_at,
                 sr.ended_at, f.found, f.downloaded, f.unchanged, f.duplicates, f.blocked, sr.ingested, sr.skipped,
                 sr.failed, sr.pages, f.requests, dumps(sr.reasons), dumps((f.failures + sr.ingest_failures)[:50]),
                 sr.error])


def _fetch_folder(source: Source, sr: SourceRun) -> None:
    from pipeline.ingest.service import discover

    if source.path is None or not source.path.is_dir():
        sr.error = f"folder_missing: {source.path} is not a directory"
        return
    sr.fetch.found = sum(1 for _ in discover([source.path]))


def run_nightly(con: duckdb.DuckDBPyConnection, config: Config, workers: int | None = None, progress: bool = False,
                log: Callable[[str], None] = lambda message: None, error: Callable[[str], None] | None = None,
                limits=None, db_path: Path | None = None) -> RunSummary:
    """Fetch every source, ingest new or changed files in one pool, refresh the search index, record the run.

    `log` gets progress lines, `error` (default: log) the failures. The search index is rebuilt when documents
    were added and whenever it is incomplete (e.g. an earlier build was killed); a failed build fails the run."""
    from pipeline.ingest.search_refresh import IndexRefreshError, ensure_search_index
    from pipeline.ingest.service import DEFAULT_LIMITS, ingest_paths, path_text

    error = error or log
    run_id = _start_run(con, config, db_path)
    runs: list[SourceRun] = []
    message = None
    status = "failed"
    try:
        for source in config.sources:
            sr = SourceRun(source, now())
            runs.append(sr)
            try:
                if source.kind == "http":
                    log(f"fetching {source.name} from {source.index_url}")
                    sr.fetch = fetch_http_source(con, source, log)
                    sr.error = sr.fetch.error
                elif source.kind == "firstagenda":  # portal hook (issue 13)
                    from pipeline.portal.firstagenda import fetch_firstagenda_source
                    log(f"fetching {source.name} from the FirstAgenda portal {source.index_url}")
                    sr.fetch = fetch_firstagenda_source(con, source, log)
                    sr.error = sr.fetch.error
                else:
                    _fetch_folder(source, sr)
            except Exception as exc:  # one broken source must not stop the others
                sr.error = f"unexpected: {exc.__class__.__name__}: {exc}"
            f = sr.fetch
            log(f"{source.name}: found {f.found}, downloaded {f.downloaded}, unchanged {f.unchanged}, "
                f"duplicates {f.duplicates}, blocked by robots.txt {f.blocked}, failed {len(f.failures)}")
            for failure in f.failures:
                error(f"  FAILED {failure.get('url')}: {failure['reason']} - {failure.get('detail')}")
            if sr.error:
                error(f"SOURCE FAILED: {source.name}: {sr.error}")
            _save_source(con, run_id, sr, status="failed" if sr.error else "fetched")

        # one ingest over every source, so the worker pool starts (and warms up) once
        owner: dict[str, SourceRun] = {}
        folders: list[tuple[str, SourceRun]] = []
        inputs: list[Path] = []
        for sr in runs:
            if sr.error:
                continue
            if sr.source.kind == "folder":
                folders.append((path_text(sr.source.path), sr))
                inputs.append(sr.source.path)
            else:
                for path in pending_files(con, sr.source.name):
                    if path_text(path) not in owner:
                        owner[path_text(path)] = sr
                        inputs.append(path)

        def attribute(outcome) -> SourceRun | None:
            if outcome.path in owner:
                return owner[outcome.path]
            for folder, sr in folders:
                if outcome.path == folder or outcome.path.startswith(folder.rstrip(os.sep) + os.sep):
                    return sr
            return None

        def on_outcome(outcome) -> None:
            sr = attribute(outcome)
            if sr is None:
                return
            if outcome.status in ("ingested", "skipped") and sr.source.kind != "folder":
                mark_ingested(con, outcome.path, outcome.doc_id)
            if outcome.status == "ingested":
                sr.ingested += 1
                sr.pages += outcome.pages
                log(f"  ingested {outcome.path} ({outcome.pages} pages)")
            elif outcome.status == "skipped":
                sr.skipped += 1
            else:
                sr.ingest_failures.append({"path": outcome.path, "reason": outcome.reason, "detail": outcome.detail})
                error(f"  FAILED {outcome.path}: {outcome.reason} - {outcome.detail}")

        loaded: list[str] = []
        if inputs:
            log(f"ingesting: {len(inputs)} inputs ({len(owner)} downloaded files, {len(folders)} folders)")
            report = ingest_paths(inputs, con, workers=workers, progress=progress, on_outcome=on_outcome,
                                  limits=limits or DEFAULT_LIMITS, skip_known_failures=True)
            loaded = [o.doc_id for o in report.outcomes if o.status == "ingested"]
        index_problem = None
        try:
            action = ensure_search_index(con, loaded)
            if action:
                log(f"search index {action}")
        except IndexRefreshError as exc:
            index_problem = str(exc)
            error(f"SEARCH INDEX FAILED: {exc}")
        for sr in runs:
            sr.ended_at = now()
            _save_source(con, run_id, sr)
        statuses = {sr.status for sr in runs}
        status = "failed" if "failed" in statuses or index_problem else "partial" if "partial" in statuses else "ok"
        problems = [f"failed sources: {', '.join(sr.source.name for sr in runs if sr.error)}"] \
            if any(sr.error for sr in runs) else []
        if index_problem:
            problems.append(index_problem)
        message = "; ".join(problems) or None
    except BaseException as exc:
        message = f"{exc.__class__.__name__}: {exc}".strip()
        if isinstance(exc, KeyboardInterrupt):
            message = "interrupted (SIGINT/SIGTERM)"
        status = "crashed"
        raise
    finally:
        try:
            con.execute("UPDATE runs SET ended_at = ?, status = ?, downloaded = ?, ingested = ?, failed = ?, message = ? "
                        "WHERE run_id = ?",
                        [now(), status, sum(sr.fetch.downloaded for sr in runs), sum(sr.ingested for sr in runs),
                         sum(sr.failed for sr in runs), message, run_id])
        except duckdb.Error:  # e.g. an aborted transaction after a full disk: roll back, try once more
            try:
                con.execute("ROLLBACK")
            except duckdb.Error:
                pass
            try:
                con.execute("UPDATE runs SET ended_at = ?, status = ?, message = ? WHERE run_id = ?",
                            [now(), status, message, run_id])
            except duckdb.Error:
                pass
    from pipeline.warehouse.snapshot import publish_snapshot

    try:  # the read-only copy `minutes serve` reads while the next run writes
        publish_snapshot(con)
    except (OSError, duckdb.Error) as exc:
        log(f"read-only snapshot not published: {exc}")
    return RunSummary(run_id, status, runs, message)
