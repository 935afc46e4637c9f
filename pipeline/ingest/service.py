"""Ingest files into the warehouse: hash, skip what is known, extract+parse in a process pool, load per document.

Every document is read in a worker process with a memory limit (RLIMIT_AS) and a wall-clock time limit, so a
decompression bomb, a page of a million glyphs or a worker that crashes costs one recorded file, never the batch.
"""
from __future__ import annotations

import ctypes
import errno
import hashlib
import multiprocessing
import os
import resource
import signal
import stat
import sys
import threading
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterable, Iterator

import duckdb
from tqdm import tqdm

from pipeline.ingest.preload import parser_loaded, preload_worker_state
from pipeline.ingest.readahead import ReadAhead, load_extracted
from pipeline.model import ParsedDocument


@dataclass
class FileOutcome:
    path: str  # printable, storable form of the path (see path_text)
    status: str  # ingested | skipped | failed
    reason: str | None = None
    detail: str | None = None
    doc_id: str | None = None
    pages: int = 0
    warnings: int = 0


@dataclass
class IngestReport:
    outcomes: list[FileOutcome] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def found(self) -> int:
        return len(self.outcomes)

    @property
    def ingested(self) -> int:
        return self.count("ingested")

    @property
    def skipped(self) -> int:
        return self.count("skipped")

    @property
    def failed(self) -> int:
        return self.count("failed")

    @property
    def pages(self) -> int:
        return sum(o.pages for o in self.outcomes if o.status == "ingested")


@dataclass(frozen=True)
class Limits:
    """Per-document limits of a worker. memory_mb is the address space a worker may add on top of what it had
    when it started (RLIMIT_AS); timeout_seconds is wall-clock per document. 0 switches a limit off."""
    timeout_seconds: float = 300.0
    memory_mb: int = 2048


DEFAULT_LIMITS = Limits()
# after the soft time limit (an exception raised in Python code) a watchdog thread ends the worker when the
# document is stuck inside C code that never returns to Python
HARD_TIMEOUT_GRACE = 5.0
EXIT_HARD_TIMEOUT = 70  # exit status of a worker its watchdog ended
READ_AHEAD_FILES = 64  # at most this many files are offered to the read-ahead (it reads ~1 s worth at most)


def path_text(path: Path | str) -> str:
    """A path as text that can always be stored and printed: a file name that is not valid UTF-8 keeps its
    bytes as backslash escapes (b'\\xe6' -> '\\\\xe6') instead of failing every insert and every print."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


# -- finding input files -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Unusable:
    """An input that is not read: not a regular file, a symlink loop, an unreadable folder."""
    path: Path
    reason: str  # not_regular_file | symlink_loop | unreadable | unreadable_folder
    detail: str


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a regular file"


def _stat_problem(path: Path, exc: OSError) -> Unusable:
    if exc.errno == errno.ELOOP:
        return Unusable(path, "symlink_loop", f"symbolic link loop: {exc.strerror}")
    return Unusable(path, "unreadable", f"{exc.__class__.__name__}: {exc.strerror or exc}")


def scan_inputs(paths: Iterable[Path]) -> tuple[list[Path], list[Unusable]]:
    """Files named on the command line, and PDFs (any case of .pdf) under named folders (sorted per folder).

    Only regular files are read: FIFOs, devices, sockets, symlink loops and folders that cannot be listed are
    returned as Unusable (to be recorded), never opened, so `minutes ingest /dev/zero` ends at once.
    """
    files: list[Path] = []
    problems: list[Unusable] = []
    for path in map(Path, paths):
        try:
            info = path.stat()
        except OSError as exc:
            problems.append(_stat_problem(path, exc))
            continue
        if stat.S_ISDIR(info.st_mode):
            found: list[Path] = []
            _walk(path, found, problems)
            files.extend(sorted(found))
        elif stat.S_ISREG(info.st_mode):
            files.append(path)
        else:
            problems.append(Unusable(path, "not_regular_file", f"{_kind(info.st_mode)} is not read"))
    return files, problems


CANDIDATE_SUFFIXES = (".pdf", ".json")


def is_candidate(path: Path, regular_file: bool = True) -> bool:
    """Whether a file found under a folder is ingested: PDFs (any case of .pdf) and FirstAgenda meeting JSON
    (the one place to add formats). JSON is recognised by its content, which is only read from a regular file:
    anything else with a candidate's name counts as a candidate, so the scan records it instead of opening it."""
    from pipeline.portal.reader import is_portal_candidate

    name = path.name.lower()
    if not regular_file:
        return name.endswith(CANDIDATE_SUFFIXES)
    return name.endswith(".pdf") or is_portal_candidate(path)


def _walk(folder: Path, found: list[Path], problems: list[Unusable]) -> None:
    """PDFs below `folder`; folder symlinks are followed once (a loop is visited only once)."""
    seen: set[tuple[int, int]] = set()
    stack = [folder]
    while stack:
        current = stack.pop()
        try:
            info = current.stat()
            key = (info.st_dev, info.st_ino)
            if key in seen:
                continue
            seen.add(key)
            with os.scandir(current) as it:
                entries = list(it)
        except OSError as exc:
            problems.append(Unusable(current, "unreadable_folder", f"cannot list the folder: {exc.strerror or exc}"))
            continue
        for entry in entries:
            path = Path(entry.path)
            try:
                info = path.stat()
            except OSError as exc:
                if is_candidate(path, regular_file=False) or exc.errno == errno.ELOOP:
                    problems.append(_stat_problem(path, exc))
                continue
            if stat.S_ISDIR(info.st_mode):
                stack.append(path)
            elif not is_candidate(path, regular_file=stat.S_ISREG(info.st_mode)):
                continue
            elif stat.S_ISREG(info.st_mode):
                found.append(path)
            else:
                problems.append(Unusable(path, "not_regular_file", f"{_kind(info.st_mode)} is not read"))


def discover(paths: Iterable[Path]) -> Iterator[Path]:
    """The regular files scan_inputs finds (unusable inputs left out)."""
    yield from scan_inputs(paths)[0]


class NotRegularFile(OSError):
    pass


def sha256_of(path: Path) -> str:
    """SHA-256 of a regular file. Opened non-blocking and checked after opening, so a file swapped for a FIFO
    or device between listing and reading cannot hang the batch."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise NotRegularFile(errno.EINVAL, f"{_kind(mode)} is not read")
        digest = hashlib.sha256()
        with os.fdopen(fd, "rb", closefd=False) as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
        return digest.hexdigest()
    finally:
        os.close(fd)


# -- the worker side -----------------------------------------------------------------------------------------
class DocumentTimeout(BaseException):
    """Raised in a worker when one document takes longer than its time limit (BaseException: no library
    `except Exception` may swallow it)."""


def _address_space() -> int:
    try:
        with open("/proc/self/statm") as handle:
            return int(handle.read().split()[0]) * resource.getpagesize()
    except (OSError, ValueError, IndexError):
        return 0


def _worker_init(parent_pid: int, memory_mb: int = 0, preload: bool = True) -> None:
    """Pool workers die with the process that started them (Linux PR_SET_PDEATHSIG): after a
    SIGKILL of `minutes ingest`/`nightly` no idle worker is left behind. They get a memory limit.
    `preload=False`: the read-ahead process, which only extracts, does not load the parser."""
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL))  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        os._exit(1)
    if preload:
        preload_worker_state()  # before the limits (a no-op when forked from a preloaded parent)
    try:  # a worker that aborts (e.g. at the memory limit) must not write a core file of that size
        resource.setrlimit(resource.RLIMIT_CORE, (0, resource.getrlimit(resource.RLIMIT_CORE)[1]))
    except (ValueError, OSError):
        pass
    if memory_mb and memory_mb > 0:
        limit = _address_space() + memory_mb * 1024 * 1024
        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


class _TimeLimit:
    """SIGALRM raises DocumentTimeout after `seconds` (in Python code); a watchdog thread ends the process when
    the document is stuck in C code past the grace period (the parent then records `timeout`)."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.watchdog: threading.Timer | None = None

    def _alarm(self, signum, frame):
        raise DocumentTimeout()

    def __enter__(self):
        if self.seconds and self.seconds > 0 and threading.current_thread() is threading.main_thread():
            self.previous = signal.signal(signal.SIGALRM, self._alarm)
            signal.setitimer(signal.ITIMER_REAL, self.seconds)
            self.watchdog = threading.Timer(self.seconds + HARD_TIMEOUT_GRACE, os._exit, args=(EXIT_HARD_TIMEOUT,))
            self.watchdog.daemon = True
            self.watchdog.start()
        return self

    def __exit__(self, *exc):
        if self.watchdog is not None:
            signal.setitimer(signal.ITIMER_REAL, 0)
            self.watchdog.cancel()
            signal.signal(signal.SIGALRM, self.previous)
        return False


def is_portal_json(path: Path | str) -> bool:
    """A FirstAgenda meeting file, read by the portal reader instead of a PDF engine (decided by its name)."""
    return os.fsdecode(path).lower().endswith(".json")


def _extract_and_parse(path_text_: str, path: Path, sha256: str, engine: str, extracted_file: str | None = None):
    from pipeline.extract import ExtractionError, extract_document
    from pipeline.parse.parser import parse_document

    if is_portal_json(path):  # FirstAgenda meeting JSON: its own reader, the same Danish components
        from pipeline.portal.reader import process_portal_file

        return (path_text_, *process_portal_file(str(path), sha256)[1:])

    try:
        extracted = load_extracted(extracted_file, sha256) if extracted_file else None
        if extracted is None:
            extracted = extract_document(path, sha256, engine)
    except ExtractionError as exc:
        return path_text_, None, exc.reason, exc.detail
    except MemoryError:
        raise
    except Exception as exc:  # a library bug on one odd file must not stop the batch
        return path_text_, None, "unreadable", f"{exc.__class__.__name__}: {exc}"
    extracted.source_file = path_text(extracted.source_file)
    try:
        meeting = parse_document(extracted)
    except MemoryError:
        raise
    except Exception as exc:
        return path_text_, None, "parse_failed", f"{exc.__class__.__name__}: {exc}"
    meeting.source_file = extracted.source_file
    return path_text_, ParsedDocument(extracted, meeting), None, None


def process_file(path_text_: str, sha256: str, engine: str = "pdfium", timeout_seconds: float = 0,
                 path: str | None = None,
                 extracted_file: str | None = None) -> tuple[str, ParsedDocument | None, str | None, str | None]:
    """Extract and parse one file (runs in a worker process) within a time limit. Never raises.

    `path_text_` names the file in the result; `path` (default: the same) is the file actually read;
    `extracted_file` is its extraction by the read-ahead process (readahead.py), if it finished one."""
    real = Path(path if path is not None else path_text_)
    try:
        with _TimeLimit(timeout_seconds):
            return _extract_and_parse(path_text_, real, sha256, engine, extracted_file)
    except DocumentTimeout:
        return path_text_, None, "timeout", f"reading and parsing took longer than the limit of {timeout_seconds:g} s"
    except MemoryError:
        return path_text_, None, "too_large", "reading the document needed more memory than the per-document limit"


# -- the parent side -----------------------------------------------------------------------------------------
def record_error(con: duckdb.DuckDBPyConnection, path: Path | str, sha256: str | None, reason: str,
                 detail: str | None) -> None:
    """Remember a file that could not be ingested (the path in its storable form, see path_text)."""
    text = path_text(path)
    name = text.rsplit("/", 1)[-1] if text != "/" else text
    con.execute("INSERT OR REPLACE INTO ingest_errors VALUES (?, ?, ?, ?, ?, ?)",
                [text, name, sha256, reason, detail, datetime.now(timezone.utc).replace(tzinfo=None)])


def _safe_record(con, path, sha256, reason, detail) -> str | None:
    """record_error that never stops the batch (e.g. on a full disk); returns why it could not record."""
    try:
        record_error(con, path, sha256, reason, detail)
    except duckdb.Error as exc:
        _rollback_quietly(con)
        return str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__
    return None


def _rollback_quietly(con) -> None:
    try:
        con.execute("ROLLBACK")
    except duckdb.Error:
        pass


@dataclass
class Job:
    """A file to read: its place in the batch, path (or URL, for the backfill), content hash and size."""

    index: int
    path: Path | str
    sha: str
    size: int

    @property
    def text(self) -> str:
        return path_text(self.path)


class WorkerPool:
    """A ProcessPoolExecutor that is started again when a worker dies. Files in flight when it broke are run
    again one at a time, so the one that kills its worker is found and recorded, and the others are loaded.

    `start_method` is how workers are started: "fork" (`minutes ingest`: workers inherit the parser this process
    preloads) or "spawn" (a parent with threads of its own, such as a Ray worker, which fork would copy in
    whatever state they are in: each spawned worker loads the parser itself, once, before its limits apply)."""

    def __init__(self, workers: int, engine: str, limits: Limits, start_method: str = "fork"):
        self.workers, self.engine, self.limits = workers, engine, limits
        self.context = multiprocessing.get_context(start_method)
        self.executor: ProcessPoolExecutor | None = None
        self.restarts = 0
        self.read_ahead: ReadAhead | None = None
        self.extracted: dict[str, str] = {}  # file name -> its extraction by the read-ahead process

    def _start_with_read_ahead(self, jobs: list[Job]) -> None:
        """Start the pool; when this process must load the parser first (fork, not loaded yet), a read-ahead
        process extracts the first files meanwhile, on a core that would otherwise wait (readahead.py)."""
        if self.executor is not None or self.context.get_start_method() != "fork" or parser_loaded() or not jobs:
            self._start()
            return
        try:
            self.read_ahead = ReadAhead(jobs[:READ_AHEAD_FILES], self.engine, self.limits, self.context)
        except OSError:  # no folder or no process to be had (a full or read-only temp folder): the pool reads all
            self._start()
            return
        try:
            self._start()
        finally:
            self.extracted = self.read_ahead.stop()

    def _start(self) -> ProcessPoolExecutor:
        if self.executor is None:
            if self.context.get_start_method() == "fork":
                preload_worker_state()  # loaded once here, inherited by every forked worker (and a restarted pool)
            self.executor = ProcessPoolExecutor(max_workers=self.workers, mp_context=self.context,
                                                initializer=_worker_init, initargs=(os.getpid(), self.limits.memory_mb))
        return self.executor

    def _discard(self) -> None:
        if self.executor is not None:
            self.executor.shutdown(wait=True, cancel_futures=True)
            self.executor = None
            self.restarts += 1

    def close(self) -> None:
        if self.executor is not None:
            self.executor.shutdown(wait=True, cancel_futures=True)
            self.executor = None
        if self.read_ahead is not None:
            self.read_ahead.remove()
            self.read_ahead, self.extracted = None, {}

    def submit(self, job: Job) -> Future:
        return self._start().submit(process_file, job.text, job.sha, self.engine, self.limits.timeout_seconds,
                                    os.fsdecode(job.path), self.extracted.get(job.text))

    def run(self, jobs: list[Job], handle: Callable[[tuple], None]) -> None:
        """Run every job (at most 2×workers in flight) and pass each result to `handle` in completion order."""
        pending: dict[Future, Job] = {}
        suspects: list[Job] = []
        self._start_with_read_ahead(jobs)
        queue = iter(jobs)
        exhausted = False
        while True:
            while not exhausted and len(pending) < 2 * self.workers:
                job = next(queue, None)
                if job is None:
                    exhausted = True
                    break
                pending[self.submit(job)] = job
            if not pending:
                break
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            broken = False
            for future in done:
                job = pending.pop(future)
                try:
                    handle(future.result())
                except BrokenProcessPool:
                    broken = True
                    suspects.append(job)
            if broken:
                # every other file in flight fails with the pool: run them again, one by one
                for future, job in list(pending.items()):
                    try:
                        handle(future.result())
                    except BrokenProcessPool:
                        suspects.append(job)
                pending.clear()
                self._discard()
                for job in sorted(suspects, key=lambda j: j.index):
                    handle(self.run_alone(job))
                suspects.clear()

    def read(self, job: Job) -> tuple:
        """One file's result, or the reason its worker died (as `run` gives it for every file)."""
        results: list[tuple] = []
        self.run([job], results.append)
        return results[0]

    def run_alone(self, job: Job) -> tuple:
        """One file alone in its own process: if that process dies now, this file killed it, and its exit
        status tells how (watchdog -> timeout, SIGABRT under the memory limit -> too_large)."""
        self._discard()
        receiver, sender = self.context.Pipe(duplex=False)
        process = self.context.Process(target=_solo, args=(sender, os.getpid(), self.limits, job.text, job.sha,
                                                           self.engine, os.fsdecode(job.path)), daemon=True)
        process.start()
        sender.close()
        result = None
        limit = self.limits.timeout_seconds
        # the child's own watchdog ends it after limit + grace; this is only the last resort
        answered = receiver.poll(limit + HARD_TIMEOUT_GRACE + 120 if limit else None)
        if answered:  # a result, or end-of-file because the child died
            try:
                result = receiver.recv()
            except (EOFError, OSError):
                result = None
        receiver.close()
        process.join(timeout=None if answered else 0)
        killed = False
        if process.is_alive():
            process.kill()
            killed = not answered
        process.join()
        if result is not None:
            return result
        return job.text, None, *_death_reason(process.exitcode, killed, self.limits)


def _solo(sender, parent_pid: int, limits: Limits, text: str, sha: str, engine: str, real: str) -> None:
    _worker_init(parent_pid, limits.memory_mb)
    sender.send(process_file(text, sha, engine, limits.timeout_seconds, real))
    sender.close()


def _death_reason(exitcode: int | None, killed: bool, limits: Limits) -> tuple[str, str]:
    """Reason and detail for a worker that died reading one file, from its exit status."""
    if killed or exitcode == EXIT_HARD_TIMEOUT:
        return "timeout", (f"reading and parsing took longer than the limit of {limits.timeout_seconds:g} s "
                           "(stuck in the PDF library; the worker was stopped)")
    if exitcode == -signal.SIGABRT and limits.memory_mb:
        # pdfium aborts when an allocation fails: under RLIMIT_AS that is the memory limit being reached
        return "too_large", (f"the PDF library ran out of the per-document memory limit of {limits.memory_mb} MB "
                             "(the worker aborted)")
    how = f"signal {signal.Signals(-exitcode).name}" if exitcode and exitcode < 0 else f"exit status {exitcode}"
    return "worker_died", f"the worker process reading this file died ({how}); the batch went on"


class IngestBatch:
    """One ingest run's bookkeeping, shared by `minutes ingest` and the Ray backfill: `plan` decides what must be
    read (known content, superseded versions and repeats in the batch are skipped), `load` stores each result
    in its own transaction (or records why it failed). Outcomes are collected in `report`."""

    def __init__(self, con: duckdb.DuckDBPyConnection, on_outcome: Callable[[FileOutcome], None] | None = None):
        from pipeline.warehouse.versions import begin_batch

        self.con = con
        self.on_outcome = on_outcome
        self.report = IngestReport()
        self.first_in_batch: dict[str, str] = {}
        begin_batch(con)  # replacements this run makes are stamped with it (`minutes quality` lists them)

    def finish(self, outcome: FileOutcome) -> None:
        self.report.outcomes.append(outcome)
        if self.on_outcome:
            self.on_outcome(outcome)

    def fail(self, path, sha, reason: str, detail: str | None) -> None:
        problem = _safe_record(self.con, path, sha, reason, detail)
        if problem:
            detail = f"{detail} (and it could not be recorded: {problem})"
        self.finish(FileOutcome(path_text(path), "failed", reason, detail, sha))

    def skip_reason(self, text: str, sha: str, skip_known_failures: bool = False) -> tuple[str, str] | None:
        """(reason, detail) when these bytes need no reading: a repeat in this batch, a known failure (when
        asked), loaded already, or an older version another file replaced (re-reading it would flip-flop)."""
        if sha in self.first_in_batch:
            return "duplicate_content", f"same bytes as {self.first_in_batch[sha]} in this batch"
        self.first_in_batch[sha] = text
        con = self.con
        if skip_known_failures:
            failed = con.execute("SELECT reason FROM ingest_errors WHERE source_path = ? AND sha256 = ?",
                                 [text, sha]).fetchone()
            if failed:
                return "known_failure", f"failed before with the same bytes ({failed[0]})"
        known = con.execute("SELECT source_path FROM documents WHERE doc_id = ?", [sha]).fetchone()
        if known:
            return ("already_ingested" if known[0] == text else "duplicate_content"), f"same bytes as {known[0]}"
        replaced = con.execute("SELECT superseded_by FROM superseded_documents WHERE doc_id = ?", [sha]).fetchone()
        if replaced:
            return "superseded", f"replaced by document {replaced[0]}"
        return None

    def plan(self, paths: Iterable[Path], skip_known_failures: bool = False) -> list[Job]:
        """The files under `paths` that must be read; the others are reported at once."""
        files, unusable = scan_inputs(paths)
        for item in unusable:
            self.fail(item.path, None, item.reason, item.detail)
        todo: list[Job] = []
        for path in files:
            try:
                sha = sha256_of(path)
                size = os.stat(path).st_size
            except NotRegularFile as exc:
                self.fail(path, None, "not_regular_file", exc.strerror)
                continue
            except OSError as exc:
                self.fail(path, None, "unreadable", f"{exc.__class__.__name__}: {exc.strerror or exc}")
                continue
            skip = self.skip_reason(path_text(path), sha, skip_known_failures)
            if skip:
                self.finish(FileOutcome(path_text(path), "skipped", skip[0], skip[1], sha))
                continue
            todo.append(Job(len(todo), path, sha, size))
        return todo

    def load(self, job: Job, result: tuple) -> None:
        """Store one worker result (name, ParsedDocument or None, reason, detail) in its own transaction."""
        from pipeline.warehouse.db import describe_error, is_disk_full
        from pipeline.warehouse.load import load_document

        text, parsed, reason, detail = result
        if parsed is None:
            self.fail(job.path, job.sha, reason or "unreadable", detail)
            return
        try:
            load_document(self.con, parsed, text, job.size)
        except Exception as exc:
            _rollback_quietly(self.con)
            reason = "disk_full" if is_disk_full(exc) else "load_failed"
            self.fail(job.path, job.sha, reason, describe_error(exc))
        else:
            self.finish(FileOutcome(text, "ingested", None, None, job.sha, len(parsed.extracted.pages),
                                    len(parsed.meeting.warnings)))


def ingest_paths(paths: Iterable[Path], con: duckdb.DuckDBPyConnection, workers: int | None = None,
                 progress: bool = False, engine: str = "pdfium",
                 on_outcome: Callable[[FileOutcome], None] | None = None,
                 limits: Limits = DEFAULT_LIMITS, skip_known_failures: bool = False) -> IngestReport:
    """Ingest every file; known content is skipped, failures are recorded in ingest_errors.

    Each document is loaded in its own transaction, so a crash leaves whole documents only.
    At most 2×workers files are in flight, so memory stays bounded however many files arrive.
    Files are always read in worker processes (at least one), each under `limits`.
    `skip_known_failures` (the nightly job) skips a file that failed before with the same bytes at the same path,
    so one broken file in a folder source is reported once, not every night.
    """
    batch = IngestBatch(con, on_outcome)
    todo = batch.plan(paths, skip_known_failures)
    bar = tqdm(total=len(todo), desc="ingest", unit="file", disable=not progress, leave=False)
    by_text = {job.text: job for job in todo}

    def handle(result: tuple) -> None:
        batch.load(by_text[result[0]], result)
        bar.update(1)

    if todo:
        pool = WorkerPool(min(max(1, workers or os.cpu_count() or 1), len(todo)), engine, limits)
        try:
            with _one_duckdb_thread(con):
                pool.run(todo, handle)
        finally:
            pool.close()
    bar.close()
    return batch.report


@contextmanager
def _one_duckdb_thread(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """While the workers read files on every core, the loader's DuckDB runs one thread: its statements are
    small, and a second thread only competes with the workers (10-30% more CPU per document loaded, side by
    side on 2 cores). The setting is restored afterwards (the search-index build uses every core)."""
    previous = con.execute("SELECT current_setting('threads')").fetchone()[0]
    con.execute("SET threads = 1")
    try:
        yield
    finally:
        try:
            con.execute(f"SET threads = {int(previous)}")
        except duckdb.Error:
            pass  # a connection that failed must not hide the error that ends the run
