"""`minutes nightly` (fetch every source, ingest what is new, record the run) and `minutes runs` (issue 5).

cli.py imports this module at import time: nothing heavy (and never pipeline.cli) at module level.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from pipeline.ingest.sources import DEFAULT_CONFIG
from pipeline.commands.options import db_option



@click.command()
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path), default=DEFAULT_CONFIG,
              show_default=True, help="Sources file (TOML); see deploy/sources.example.toml.")
@db_option
@click.option("--workers", type=int, default=None, help="Worker processes for extraction (default: all cores).")
@click.option("--progress/--no-progress", default=True, help="Show a progress bar while ingesting (on a terminal).")
@click.option("--strict", is_flag=True, help="Exit 1 also when single files failed (default: only when a source failed).")
def nightly(config_path: Path, db_path: Path, workers: int | None, progress: bool, strict: bool) -> None:
    """Fetch new minutes from every configured source, ingest them and record the run.

    One run at a time: a second run exits at once with code 75 while the first holds the lock file
    (<db>.nightly.lock). Exit 1 when a source could not be read at all (index page unreachable, folder
    missing); single broken files are reported and recorded but do not fail the run unless --strict.

    Example: minutes nightly --config sources.toml
    """
    from pipeline.ingest.nightly import EXIT_LOCKED, LockBusy, NightlyLock, lock_path_for, run_nightly
    from pipeline.ingest.sources import ConfigError, load_config
    from pipeline.warehouse.db import connect

    try:
        config = load_config(config_path)
    except ConfigError as exc:
        raise click.UsageError(str(exc))
    lock = NightlyLock(lock_path_for(db_path))
    try:
        lock.acquire()
    except LockBusy as exc:
        click.echo(f"minutes nightly: another run is in progress ({exc.holder or 'holder unknown'}); "
                   f"lock file {exc.path}. Not starting.", err=True)
        sys.exit(EXIT_LOCKED)
    try:
        def log(message: str) -> None:
            click.echo(message)
            sys.stdout.flush()

        import duckdb

        try:
            con = connect(db_path)
        except duckdb.IOException as exc:  # e.g. `minutes ingest` or another writer has the file open
            raise click.ClickException(f"cannot open the warehouse for writing: {exc}")
        try:
            summary = run_nightly(con, config, workers=workers, progress=progress and sys.stderr.isatty(), log=log)
            _print_summary(summary)
        finally:
            con.close()
    finally:
        lock.release()
    code = summary.exit_code
    if strict and summary.status == "partial":
        code = 1
    sys.exit(code)


def _print_summary(summary) -> None:
    click.echo(f"\nrun {summary.run_id}: {summary.status}" + (f" ({summary.message})" if summary.message else ""))
    header = f"{'source':24s} {'status':8s} {'found':>6s} {'new':>5s} {'same':>5s} {'dup':>4s} {'robots':>6s} " \
             f"{'ingest':>6s} {'skip':>5s} {'fail':>5s}"
    click.echo(header)
    for sr in summary.sources:
        f = sr.fetch
        click.echo(f"{sr.source.name[:24]:24s} {sr.status:8s} {f.found:>6d} {f.downloaded:>5d} {f.unchanged:>5d} "
                   f"{f.duplicates:>4d} {f.blocked:>6d} {sr.ingested:>6d} {sr.skipped:>5d} {sr.failed:>5d}")
        if sr.error:
            click.echo(f"    source failed: {sr.error}")
        for reason, count in sorted(sr.reasons.items()):
            click.echo(f"    {count} x {reason}")


@click.command()
@db_option
@click.option("--limit", type=int, default=20, show_default=True, help="How many runs, newest first.")
@click.option("--run", "run_id", type=int, default=None, help="Show one run with its sources and failures.")
def runs(db_path: Path, limit: int, run_id: int | None) -> None:
    """List past nightly runs (newest first), or one run in detail with --run.

    Example: minutes runs --limit 5
    """
    import duckdb

    from pipeline.ingest.nightly import lock_path_for
    from pipeline.warehouse.db import connect

    try:
        con = connect(db_path, read_only=True)
    except FileNotFoundError as exc:
        raise click.ClickException(str(exc))
    except duckdb.IOException as exc:
        lock = lock_path_for(db_path)
        holder = lock.read_text(errors="replace").strip() if lock.exists() else ""
        raise click.ClickException(f"the warehouse is busy (a nightly run? {holder or 'no nightly lock held'}): {exc}")
    tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    if "runs" not in tables:
        click.echo("no nightly runs yet")
        return
    from pipeline.cli import format_table  # imported here: cli imports this module

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
