"""Read the first files' text while the parser loads.

Before a forked pool can start, this process loads the parser its workers inherit (preload.py: spaCy and the
pipeline, 0.5-0.6 s on one core). The other cores would wait. `ReadAhead` forks one lean process first (the
PDF engine only, no spaCy) that extracts the batch's files in order and leaves each extracted document in a
private temporary folder. When the parser is loaded, the read-ahead process is stopped; every file it finished
is handed to a pool worker with its extraction, so that worker only parses it. Whatever the read-ahead did not
finish, or failed on, is read by the pool as usual, which also records why a file fails: the read-ahead never
decides anything about a file.

The read-ahead process runs under the same per-document limits as a pool worker (memory, and the time limit
around each file's extraction).
"""
from __future__ import annotations

import os
import pickle
import shutil
import signal
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.model import ExtractedDocument

if TYPE_CHECKING:  # service.py imports this module
    from multiprocessing.context import BaseContext

    from pipeline.ingest.service import Job, Limits

_SUFFIX = ".extracted"
_PREFIX = "minutes-readahead-"


class ReadAhead:
    """One forked process extracting `jobs` in order into a private folder until `stop` is called."""

    def __init__(self, jobs: list[Job], engine: str, limits: Limits, context: BaseContext):
        from pipeline.ingest.service import is_portal_json, path_text

        _remove_stale_folders()
        # mode 0700: only this user reads it; the pid in the name lets a later run remove it after a crash
        self.folder = Path(tempfile.mkdtemp(prefix=f"{_PREFIX}{os.getpid()}-"))
        pdfs = [job for job in jobs if not is_portal_json(job.path)]
        self.names = {job.index: path_text(job.path) for job in pdfs}
        work = [(job.index, os.fsdecode(job.path), job.sha) for job in pdfs]
        self.process = context.Process(target=_read_ahead, daemon=True,
                                       args=(os.getpid(), limits, engine, work, str(self.folder)))
        try:
            self.process.start()
        except BaseException:
            self.remove()
            raise

    def _end(self) -> None:
        if self.process.is_alive():
            os.kill(self.process.pid, signal.SIGKILL)
        self.process.join()

    def stop(self) -> dict[str, str]:
        """End the read-ahead process (a file half-read is dropped); the finished files: name -> extraction file."""
        self._end()
        try:
            names = [entry.name for entry in os.scandir(self.folder)]
        except OSError:  # the folder was removed under us: the pool reads every file
            return {}
        done = {}
        for name in names:
            stem, _, suffix = name.partition(".")
            if "." + suffix == _SUFFIX and stem.isdigit() and int(stem) in self.names:
                done[self.names[int(stem)]] = str(self.folder / name)
        return done

    def remove(self) -> None:
        """End the process if it still runs, and delete the folder with whatever is left in it."""
        self._end()
        shutil.rmtree(self.folder, ignore_errors=True)


def _remove_stale_folders() -> None:
    """Folders a killed ingest left behind: this user's, named for a process that no longer runs."""
    try:
        entries = list(os.scandir(tempfile.gettempdir()))
    except OSError:
        return
    for entry in entries:
        pid = entry.name[len(_PREFIX):].partition("-")[0]
        if not (entry.name.startswith(_PREFIX) and pid.isdigit()):
            continue
        try:
            if not entry.is_dir(follow_symlinks=False) or entry.stat(follow_symlinks=False).st_uid != os.getuid():
                continue
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(entry.path, ignore_errors=True)
        except OSError:  # another user's process (EPERM) or an entry that went away: not ours to remove
            continue


def _read_ahead(parent_pid: int, limits: Limits, engine: str, work: list[tuple[int, str, str]], folder: str) -> None:
    from pipeline.extract import extract_document
    from pipeline.ingest.service import DocumentTimeout, _TimeLimit, _worker_init

    _worker_init(parent_pid, limits.memory_mb, preload=False)
    for index, path, sha in work:
        try:
            with _TimeLimit(limits.timeout_seconds):
                extracted = extract_document(Path(path), sha, engine)
            data = pickle.dumps(extracted, protocol=pickle.HIGHEST_PROTOCOL)
        except (Exception, MemoryError, DocumentTimeout):  # noqa: BLE001  the pool reads it again and says why
            continue
        if not _leave(data, folder, index):
            return  # no room for it (a full disk): the pool reads the rest


def _leave(data: bytes, folder: str, index: int) -> bool:
    """Write one extraction whole or not at all (a kill or a full disk leaves only a .part, which is ignored)."""
    partial = os.path.join(folder, f"{index}.part")
    try:
        with open(partial, "wb") as handle:
            handle.write(data)
        os.rename(partial, os.path.join(folder, f"{index}{_SUFFIX}"))
    except OSError:
        return False
    return True


def load_extracted(path: str, sha256: str) -> ExtractedDocument | None:
    """A read-ahead extraction of the file with these bytes, or None (missing, damaged, another file's)."""
    try:
        with open(path, "rb") as handle:
            extracted = pickle.load(handle)
    except Exception:  # noqa: BLE001  the worker then reads the PDF itself
        return None
    if not isinstance(extracted, ExtractedDocument) or extracted.sha256 != sha256:
        return None
    return extracted
