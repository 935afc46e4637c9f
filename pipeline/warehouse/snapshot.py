"""Read-only snapshots of the warehouse, so `minutes serve` keeps answering while an ingest writes.

DuckDB allows one writing process *or* several reading processes per database file. The writer (ingest,
nightly) therefore publishes a snapshot after each run: CHECKPOINT (the file then holds every committed row),
copy the file to a temporary name in the same folder, fsync, and rename it over `<db>.snapshot.duckdb`
(`os.replace` is atomic: a reader sees the old or the new file, never half of one). The web server reads
only the snapshot and opens a new connection when the snapshot file changes (`SnapshotWatcher`); the
connection to the old file stays valid for requests already running (the old inode lives on until closed).
"""
from __future__ import annotations

import os
import shutil
import threading
import time
from pathlib import Path

from pipeline.atomic import FILE_MODE, atomic_file
from pipeline.warehouse.db import open_error

SUFFIX = ".snapshot"


def snapshot_path(db_path: Path | str) -> Path:
    """`data/warehouse/minutes.duckdb` -> `data/warehouse/minutes.snapshot.duckdb`."""
    db_path = Path(db_path)
    return db_path.with_name(db_path.stem + SUFFIX + db_path.suffix)


def database_path(con) -> Path:
    return Path(con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchone()[0])


def publish_snapshot(con, db_path: Path | str | None = None) -> Path:
    """Publish a read-only copy of the warehouse that `con` has open (the writer, at the end of a run).

    Returns the snapshot path. The copy is written beside the warehouse and renamed into place atomically.
    """
    db_path = Path(db_path) if db_path else database_path(con)
    con.execute("CHECKPOINT")
    return _copy_atomically(db_path, snapshot_path(db_path))


def ensure_snapshot(db_path: Path | str) -> Path:
    """The snapshot to serve; made from the warehouse when there is none or the warehouse is newer.

    Holds a read-only connection while copying, so no writer can change the file under the copy. When a
    writer holds the warehouse and a snapshot exists, the existing snapshot is served.
    """
    import duckdb

    db_path = Path(db_path)
    snap = snapshot_path(db_path)
    if not db_path.exists():
        if snap.exists():
            return snap
        raise FileNotFoundError(f"no warehouse at {db_path}; run `minutes ingest` first")
    if snap.exists() and snap.stat().st_mtime >= db_path.stat().st_mtime:
        return snap
    try:
        reader = duckdb.connect(str(db_path), read_only=True)
    except duckdb.Error as exc:
        if snap.exists():
            return snap  # an ingest is writing right now: serve the last published snapshot
        raise open_error(db_path, exc, read_only=True) from None  # busy (exit 75) or unreadable: one line
    try:
        wal = Path(str(db_path) + ".wal")
        if wal.exists() and wal.stat().st_size:
            # uncheckpointed changes live only in the WAL: copy it too, DuckDB replays it on open
            _copy_atomically(wal, Path(str(snap) + ".wal"))
        return _copy_atomically(db_path, snap)
    finally:
        reader.close()


def _copy_atomically(source: Path, target: Path) -> Path:
    with atomic_file(target, FILE_MODE) as out, open(source, "rb") as src:
        shutil.copyfileobj(src, out, 16 * 1024 * 1024)
    stale_wal = Path(str(target) + ".wal")
    if not str(source).endswith(".wal") and stale_wal.exists() and not Path(str(source) + ".wal").exists():
        stale_wal.unlink()
    return target


class SnapshotWatcher:
    """Hands out a read-only connection to the current snapshot, reopening it when the file is replaced.

    `current()` checks the file's identity (inode, mtime) at most every `interval` seconds; `on_open(con)` is
    called for every new connection (e.g. to load per-snapshot lists) and its result is returned with it.
    """

    def __init__(self, path: Path | str, on_open=None, interval: float = 1.0):
        self.path = Path(path)
        self.on_open = on_open or (lambda con: None)
        self.interval = interval
        self._lock = threading.Lock()
        self._checked = 0.0
        self._identity = None
        self._state = None
        self._open()

    def _file_identity(self):
        st = os.stat(self.path)
        return st.st_ino, st.st_mtime_ns, st.st_size

    def _open(self) -> None:
        import duckdb

        identity = self._file_identity()
        # DuckDB caches open databases by path within a process, so a connect() to the same path would return
        # the old file: open this version under a name of its own (a hard link, removed once open).
        link = self.path.with_name(f".{self.path.name}.{identity[0]}.{identity[1]}.open")
        try:
            if link.exists():
                link.unlink()
            os.link(self.path, link)
            target = link
        except OSError:
            target = self.path
        try:
            con = duckdb.connect(str(target), read_only=True)
            state = (con, self.on_open(con))
        finally:
            if target != self.path:
                link.unlink(missing_ok=True)
        self._state = state
        self._identity = identity

    def current(self):
        """(connection, on_open result) of the newest snapshot."""
        now = time.monotonic()
        if now - self._checked >= self.interval:
            with self._lock:
                if now - self._checked >= self.interval:
                    self._checked = now
                    try:
                        if self._file_identity() != self._identity:
                            self._open()
                    except Exception:  # a half-published or vanished file: keep serving the old one
                        pass
        return self._state
