"""`minutes nightly` (fetch every source, ingest what is new, record the run) and `minutes runs` (issue 5).

cli.py imports this module at import time: nothing heavy (and never pipeline.cli) at module level.
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from pipeline.ingest.sources import DEFAULT_CONFIG
from pipeline.commands.options import RunLog, allow_failures_option, db_option, limit_options, make_limits

EXIT_CONFIG = 2



@click.command()
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path), default=DEFAULT_CONFIG,
              show_default=True, help="Sources file (TOML); see deploy/sources.example.toml.")
@db_option
@click.option("--workers", type=int, default=None, help="Worker processes for extraction (default: all cores).")
@click.option("--progress/--no-progress", default=True, help="Show a progress bar while ingesting (on a terminal).")
@allow_failures_option
@click.option("--strict", is_flag=True, hidden=True, help="Kept for old crontabs: failed files exit 1 by default now.")
@click.option("--log", "log_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Append timestamped progress lines to this file (its folder is created) instead of stdout; "
                   "errors go to stderr as well, so cron mails only failures.")
@limit_options
def nightly(config_path: Path, db_path: Path, workers: int | None, progress: bool, allow_failures: bool,
            strict: bool, log_file: Path | None, timeout_seconds: float, max_memory_mb: int) -> None:
    """Fetch new minutes from every configured source, ingest them and record the run.

    One run at a time: a second run exits at once with code 75 while the first holds the lock file
    (<db>.nightly.lock), and so does a run that finds the warehouse open elsewhere (e.g. `minutes serve`);
    such a refused run is recorded too (`minutes runs`). Exit 1 when a source or the search index failed, or
    when single files failed (unless --allow-failures); 2 bad config. Log lines are timestamped (UTC),
    errors go to stderr.

    Example: minutes nightly --config sources.toml --log data/logs/nightly.log
    """
    from pipeline.ingest.nightly import EXIT_LOCKED, LockBusy, NightlyLock, lock_path_for, run_nightly
    from pipeline.ingest.runlog import record_unwritten_run
    from pipeline.ingest.sources import ConfigError, load_config
    from pipeline.warehouse.db import WarehouseBusy, WarehouseError, connect

    log = RunLog(log_file)
    try:
        config = load_config(config_path)
    except ConfigError as exc:
        log.error(f"minutes nightly: bad config: {exc}")
        record_unwritten_run(db_path, "failed", f"bad config: {exc}", config_path)
        sys.exit(EXIT_CONFIG)
    lock = NightlyLock(lock_path_for(db_path))
    try:
        lock.acquire()
    except LockBusy as exc:
        message = f"another nightly run is in progress ({exc.holder or 'holder unknown'}); lock file {exc.path}"
        log.error(f"minutes nightly: {message}. Not starting.")
        record_unwritten_run(db_path, "refused", message, config_path)
        sys.exit(EXIT_LOCKED)
    code = 1
    try:
        try:
            con = connect(db_path)
        except WarehouseError as exc:  # e.g. `minutes serve` or `minutes ingest` has the file open
            log.error(f"minutes nightly: {exc}. Not starting.")
            record_unwritten_run(db_path, "refused" if isinstance(exc, WarehouseBusy) else "failed", str(exc),
                                 config_path)
            sys.exit(EXIT_LOCKED if isinstance(exc, WarehouseBusy) else 1)
        try:
            log.info(f"nightly run started (config {config_path}, warehouse {db_path}, pid {os.getpid()})")
            summary = run_nightly(con, config, workers=workers, progress=progress and sys.stderr.isatty(),
                                  log=log.info, error=log.error, limits=make_limits(timeout_seconds, max_memory_mb),
                                  db_path=db_path)
            _print_summary(summary, log)
            code = summary.exit_code_for(allow_failures)
        except Exception as exc:  # recorded as 'crashed' by run_nightly; one line here, not a traceback
            first = (str(exc).strip().splitlines() or [""])[0]
            log.error(f"minutes nightly: crashed: {exc.__class__.__name__}: {first}")
            code = 1
        finally:
            con.close()
    finally:
        lock.release()
        log.close()
    sys.exit(code)


def _print_summary(summary, log) -> None:
    line = f"run {summary.run_id}: {summary.status}" + (f" ({summary.message})" if summary.message else "")
    (log.info if summary.status == "ok" else log.error)(line)
    header = f"{'source':24s} {'status':8s} {'found':>6s} {'new':>5s} {'same':>5s} {'dup':>4s} {'robots':>6s} " \
             f"{'ingest':>6s} {'skip':>5s} {'fail':>5s}"
    log.info(header)
    for sr in summary.sources:
        f = sr.fetch
        log.info(f"{sr.source.name[:24]:24s} {sr.status:8s} {f.found:>6d} {f.downloaded:>5d} {f.unchanged:>5d} "
                 f"{f.duplicates:>4d} {f.blocked:>6d} {sr.ingested:>6d} {sr.skipped:>5d} {sr.failed:>5d}")
        if sr.error:
            log.info(f"    source failed: {sr.error}")
        for reason, count in sorted(sr.reasons.items()):
            log.info(f"    {count} x {reason}")


@click.command()
@db_option
@click.option("--limit", type=int, default=20, show_default=True, help="How many runs, newest first.")
@click.option("--run", "run_id", type=int, default=None, help="Show one run with its sources and failures.")
def runs(db_path: Path, limit: int, run_id: int | None) -> None:
    """List past nightly runs (newest first), or one run in detail with --run.

    Example: minutes runs --limit 5
    """
    from pipeline.cli import format_table  # imported here: cli imports this module
    from pipeline.ingest.nightly import lock_path_for
    from pipeline.ingest.runlog import read_unwritten_runs
    from pipeline.warehouse.db import WarehouseBusy, WarehouseMissing, connect

    unwritten = read_unwritten_runs(db_path)
    if unwritten and run_id is None:
        click.echo("runs recorded beside the warehouse (moved into it by the next run that opens it):")
        click.echo(format_table(["started (UTC)", "status", "pid", "message"],
                                [(e.get("started_at"), e.get("status"), e.get("pid"), e.get("message"))
                                 for e in unwritten[-limit:]], width=120))
    try:
        con = connect(db_path, read_only=True)
    except WarehouseMissing:
        if unwritten:
            return
        raise
    except WarehouseBusy as exc:
        lock = lock_path_for(db_path)
        holder = lock.read_text(errors="replace").strip() if lock.exists() else ""
        raise WarehouseBusy(f"{exc} (nightly lock: {holder or 'not held'})") from None
    tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    if "runs" not in tables:
        click.echo("no nightly runs yet")
        return

    if run_id is None:
        rows = con.execute("""SELECT r.run_id, strftime(r.started_at, '%Y-%m-%d %H:%M:%S'), strftime(r.ended_at, '%Y-%m-%d %H:%M:%S'),
                                     CASE WHEN r.ended_at IS NULL THEN NULL
                                          ELSE round(epoch(r.ended_at - r.started_at), 1) END,
                                     r.status, count(s.source), r.downloaded, r.ingested, r.failed, r.message
                              FROM runs r LEFT JOIN run_sources s USING (run_id)
                              GROUP BY ALL ORDER BY r.run_id DESC LIMIT ?""", [limit]).fetchall()
        click.echo(format_table(["run", "started (UTC)", "ended", "seconds", "status", "sources", "downloaded",
                                 "ingested", "failed", "message"], rows))
        return
    run = con.execute("SELECT run_id, started_at, ended_at, status, pid, hostname, config, message FROM runs "
                      "WHERE run_id = ?", [run_id]).fetchone()
    if run is None:
        raise click.ClickException(f"no run {run_id}")
    click.echo(f"run {run[0]}: {run[3]}, {run[1]} .. {run[2]} (pid {run[4]} on {run[5]}, config {run[6]})"
               + (f"\n{run[7]}" if run[7] else ""))
    rows = con.execute("""SELECT source, kind, status, found, downloaded, unchanged, duplicates, blocked, ingested,
                                 skipped, failed, pages, reasons, error
                          FROM run_sources WHERE run_id = ? ORDER BY source""", [run_id]).fetchall()
    click.echo(format_table(["source", "kind", "status", "found", "downloaded", "unchanged", "dup", "robots",
                             "ingested", "skipped", "failed", "pages", "reasons", "error"], rows))
    for source, failures in con.execute("SELECT source, failures FROM run_sources WHERE run_id = ? ORDER BY source",
                                        [run_id]).fetchall():
        for failure in json.loads(failures or "[]"):
            click.echo(f"  {source}: {failure.get('url') or failure.get('path')}: {failure['reason']} - "
                       f"{failure.get('detail')}")


COMMANDS = [nightly, runs]
