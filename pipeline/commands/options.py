"""Options every `minutes` command shares, and the timestamped lines commands print."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import click

from pipeline.warehouse.db import DEFAULT_DB

db_option = click.option("--db", "db_path", type=click.Path(dir_okay=False, path_type=Path), default=DEFAULT_DB,
                         show_default=True, help="DuckDB warehouse file.")

allow_failures_option = click.option(
    "--allow-failures", is_flag=True,
    help="Exit 0 even when single files failed (they stay recorded in ingest_errors). Default: exit 1.")


def limit_options(func):
    """--timeout and --max-memory-mb: per-document limits of the extraction workers."""
    func = click.option("--max-memory-mb", type=click.IntRange(0), default=2048, show_default=True,
                        help="Memory a worker may add while reading one document (0 = no limit); "
                             "a document needing more is recorded as too_large.")(func)
    func = click.option("--timeout", "timeout_seconds", type=click.FloatRange(0), default=300.0, show_default=True,
                        help="Seconds one document may take to read and parse (0 = no limit); "
                             "a slower one is recorded as timeout.")(func)
    return func


def make_limits(timeout_seconds: float, max_memory_mb: int):
    from pipeline.ingest.service import Limits

    return Limits(timeout_seconds=timeout_seconds, memory_mb=max_memory_mb)


def stamp() -> str:
    """UTC timestamp that starts every log line."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class RunLog:
    """Timestamped lines: progress to stdout (or only to --log FILE), errors to stderr (and the file).

    With a log file, stdout stays silent: cron mails the output of a job, so it mails only failures."""

    def __init__(self, log_file: Path | None = None):
        self.handle = None
        if log_file is not None:
            Path(log_file).parent.mkdir(parents=True, exist_ok=True)
            self.handle = open(log_file, "a", encoding="utf-8", errors="backslashreplace", buffering=1)

    def _file(self, line: str) -> None:
        if self.handle is not None:
            self.handle.write(line + "\n")

    def info(self, message: str) -> None:
        for part in str(message).splitlines() or [""]:
            line = f"{stamp()} {part}"
            self._file(line)
            if self.handle is None:
                click.echo(line)

    def error(self, message: str) -> None:
        for part in str(message).splitlines() or [""]:
            line = f"{stamp()} ERROR {part}"
            self._file(line)
            click.echo(line, err=True)

    def close(self) -> None:
        if self.handle is not None:
            self.handle.close()
            self.handle = None
