"""Ingest files into the warehouse: hash, skip what is known, extract+parse in a process pool, load per document."""
from __future__ import annotations

import ctypes
import hashlib
import os
import signal
import sys
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterable, Iterator

import duckdb
from tqdm import tqdm

from pipeline.model import ParsedDocument


@dataclass
class FileOutcome:
    path: str
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


def _worker_init(parent_pid: int) -> None:
    """Pool workers die with the process that started them (Linux PR_SET_PDEATHSIG): after a
    SIGKILL of `minutes ingest`/`nightly` no idle worker is left behind."""
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL))  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            return
    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        os._exit(1)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def discover(paths: Iterable[Path]) -> Iterator[Path]:
    """Files named on the command line, and PDFs (any case of .pdf) under named folders, sorted."""
    for path in paths:
        path = Path(path)
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() == ".pdf")
        else:
            yield path


def process_file(path_text: str, sha256: str, engine: str = "pdfium") -> tuple[str, ParsedDocument | None, str | None, str | None]:
    """Extract and parse one file (runs in a worker process). Never raises."""
    from pipeline.extract import ExtractionError, extract_document
    from pipeline.parse.parser import parse_document

    path = Path(path_text)
    try:
        extracted = extract_document(path, sha256, engine)
    except ExtractionError as exc:
        return path_text, None, exc.reason, exc.detail
    except Exception as exc:  # a library bug on one odd file must not stop the batch
        return path_text, None, "unreadable", f"{exc.__class__.__name__}: {exc}"
    try:
        meeting = parse_document(extracted)
    except Exception as exc:
        return path_text, None, "parse_failed", f"{exc.__class__.__name__}: {exc}"
    return path_text, ParsedDocument(extracted, meeting), None, None


def record_error(con: duckdb.DuckDBPyConnection, path: Path, sha256: str | None, reason: str, detail: str | None) -> None:
    con.execute("INSERT OR REPLACE INTO ingest_errors VALUES (?, ?, ?, ?, ?, ?)",
                [str(path), path.name, sha256, reason, detail, datetime.now(timezone.utc).replace(tzinfo=None)])


def ingest_paths(paths: Iterable[Path], con: duckdb.DuckDBPyConnection, workers: int | None = None,
                 progress: bool = False, engine: str = "pdfium",
                 on_outcome: Callable[[FileOutcome], None] | None = None) -> IngestReport:
    """Ingest every file; known content is skipped, failures are recorded in ingest_errors.

    Each document is loaded in its own transaction, so a crash leaves whole documents only.
    At most 2×workers files are in flight, so memory stays bounded however many files arrive.
    """
    from pipeline.warehouse.load import load_document
    from pipeline.warehouse.versions import begin_batch

    begin_batch(con)  # replacements this run makes are stamped with it (`minutes quality` lists them)
    report = IngestReport()
    workers = workers or os.cpu_count() or 1
    files = list(discover(paths))

    def finish(outcome: FileOutcome) -> None:
        report.outcomes.append(outcome)
        if on_outcome:
            on_outcome(outcome)

    todo: list[tuple[Path, str]] = []
    for path in files:
        try:
            sha = sha256_of(path)
        except OSError as exc:
            record_error(con, path, None, "unreadable", str(exc))
            finish(FileOutcome(str(path), "failed", "unreadable", str(exc)))
            continue
        known = con.execute("SELECT source_path FROM documents WHERE doc_id = ?", [sha]).fetchone()
        if known:
            finish(FileOutcome(str(path), "skipped", "already_ingested" if known[0] == str(path) else "duplicate_content",
                               f"same bytes as {known[0]}", sha))
            continue
        replaced = con.execute("SELECT superseded_by FROM superseded_documents WHERE doc_id = ?", [sha]).fetchone()
        if replaced:
            # an older version of a meeting another file replaced: ingesting it again would flip-flop
            finish(FileOutcome(str(path), "skipped", "superseded", f"replaced by document {replaced[0]}", sha))
            continue
        todo.append((path, sha))

    bar = tqdm(total=len(todo), desc="ingest", unit="file", disable=not progress, leave=False)
    sizes = {str(p): (p.stat().st_size, sha) for p, sha in todo}

    def handle(result: tuple) -> None:
        path_text, parsed, reason, detail = result
        size, sha = sizes[path_text]
        path = Path(path_text)
        if parsed is None:
            record_error(con, path, sha, reason or "unreadable", detail)
            finish(FileOutcome(path_text, "failed", reason, detail, sha))
        else:
            try:
                load_document(con, parsed, path_text, size)
            except Exception as exc:
                record_error(con, path, sha, "load_failed", f"{exc.__class__.__name__}: {exc}")
                finish(FileOutcome(path_text, "failed", "load_failed", str(exc), sha))
            else:
                finish(FileOutcome(path_text, "ingested", None, None, sha, len(parsed.extracted.pages),
                                   len(parsed.meeting.warnings)))
        bar.update(1)

    if workers <= 1 or len(todo) <= 1:
        for path, sha in todo:
            handle(process_file(str(path), sha, engine))
    else:
        with ProcessPoolExecutor(max_workers=workers, initializer=_worker_init, initargs=(os.getpid(),)) as pool:
            pending: set[Future] = set()
            queue = iter(todo)
            for path, sha in queue:
                pending.add(pool.submit(process_file, str(path), sha, engine))
                if len(pending) >= 2 * workers:
                    done, pending = wait(pending, return_when=FIRST_COMPLETED)
                    for future in done:
                        handle(future.result())
            for future in pending:
                handle(future.result())
    bar.close()
    return report
