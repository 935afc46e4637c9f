"""Runs that could not be written into the warehouse (refused because it was busy or locked, bad config).

DuckDB admits one writer: when `minutes serve` or another run holds the file, the nightly job cannot record
its refusal in `runs`. It appends one JSON line to `<db>.runs.jsonl` instead; the next run that opens the
warehouse moves those lines into `runs`, and `minutes runs` shows lines not moved yet.
"""
from __future__ import annotations

import json
import os
import socket
from datetime import datetime, timezone
from pathlib import Path


def pending_path(db_path: Path) -> Path:
    return Path(db_path).with_name(Path(db_path).name + ".runs.jsonl")


def _now() -> str:
    return datetime.now(timezone.utc).replace(tzinfo=None).isoformat(timespec="seconds")


def record_unwritten_run(db_path: Path, status: str, message: str, config: Path | None = None) -> None:
    """Append a run that could not be written to the warehouse (one line, one write: safe with other writers)."""
    entry = {"started_at": _now(), "ended_at": _now(), "status": status, "pid": os.getpid(),
             "hostname": socket.gethostname(), "config": str(config) if config else None, "message": message}
    path = pending_path(db_path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
        try:
            os.write(fd, (json.dumps(entry, ensure_ascii=False) + "\n").encode("utf-8"))
        finally:
            os.close(fd)
    except OSError:
        pass  # the refusal is still on stderr and in the exit code


def read_unwritten_runs(db_path: Path) -> list[dict]:
    """Runs recorded beside the warehouse and not moved into `runs` yet."""
    return _read_lines(pending_path(db_path))


def _read_lines(path: Path) -> list[dict]:
    entries = []
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []
    for line in lines:
        try:
            entries.append(json.loads(line))
        except ValueError:
            continue
    return entries


def import_unwritten_runs(con, db_path: Path) -> int:
    """Move the pending lines into `runs` (called by a run that holds the lock and the warehouse)."""
    path = pending_path(db_path)
    moving = path.with_name(path.name + ".importing")
    if not moving.exists():  # (a leftover of a run killed while importing is imported first)
        if not path.exists():
            return 0
        try:
            os.replace(path, moving)
        except OSError:
            return 0
    entries = _read_lines(moving)
    for entry in entries:
        run_id = con.execute("SELECT coalesce(max(run_id), 0) + 1 FROM runs").fetchone()[0]
        con.execute("INSERT INTO runs (run_id, started_at, ended_at, status, pid, hostname, config, downloaded, "
                    "ingested, failed, message) VALUES (?, ?, ?, ?, ?, ?, ?, 0, 0, 0, ?)",
                    [run_id, entry.get("started_at"), entry.get("ended_at"), entry.get("status", "refused"),
                     entry.get("pid"), entry.get("hostname"), entry.get("config"), entry.get("message")])
    moving.unlink(missing_ok=True)
    return len(entries)
