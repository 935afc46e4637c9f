"""`minutes backfill`: ingest many documents with extraction and parsing as tasks on a Ray cluster."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from pipeline.commands.options import db_option, limit_options, make_limits


@click.command()
@click.argument("sources", nargs=-1)
@click.option("--manifest", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="File listing sources one per line: local paths, folders or http(s) URLs the workers fetch.")
@click.option("--ray-address", default=None,
              help="'auto' or 'ray://HOST:PORT' for an existing cluster; default: start a local Ray runtime.")
@click.option("--num-cpus", type=int, default=None, help="CPUs of the local Ray runtime (default: all cores).")
@click.option("--max-in-flight", type=int, default=None, help="Tasks on the cluster at once (default: 2 x CPUs).")
@click.option("--engine", type=click.Choice(["pdfium", "pdfplumber"]), default="pdfium", show_default=True)
@click.option("--store-dir", type=click.Path(file_okay=False, path_type=Path), default=Path("data/raw/backfill"),
              show_default=True, help="Where downloaded PDFs are kept (named by their SHA-256).")
@db_option
@limit_options
def backfill(sources, manifest, ray_address, num_cpus, max_in_flight, engine, store_dir, db_path, timeout_seconds,
             max_memory_mb) -> None:
    """Backfill the warehouse on Ray: workers extract and parse, this process loads (one transaction per document).

    Each document is read under the same time and memory limits as in `minutes ingest` (a child process of the
    Ray worker); a document over a limit is recorded as timeout / too_large and the backfill goes on.
    Interrupted? Run the same command again: loaded documents are skipped, none is loaded twice.

    Example: minutes backfill --manifest national.txt --ray-address auto
    """
    try:
        import ray  # noqa: F401
    except ImportError:
        raise click.ClickException("Ray is not installed: pip install -e '.[distributed]'")
    from pipeline.backfill import backfill as run_backfill, read_manifest
    from pipeline.cli import print_ingest_summary, refresh_search_index
    from pipeline.warehouse.db import connect

    listed = list(sources) + (read_manifest(manifest) if manifest else [])
    if not listed:
        raise click.UsageError("name sources or a --manifest")
    con = connect(db_path)
    last = [0.0]

    def progress(state) -> None:
        import time

        if time.monotonic() - last[0] >= 2 or state.done + state.failed + state.skipped == state.total:
            last[0] = time.monotonic()
            click.echo(state.line(), err=True)

    report = run_backfill(listed, con, ray_address=ray_address, num_cpus=num_cpus, max_in_flight=max_in_flight,
                          engine=engine, store_dir=store_dir, on_progress=progress,
                          limits=make_limits(timeout_seconds, max_memory_mb))
    refresh_search_index(con, [o.doc_id for o in report.outcomes if o.status == "ingested"])
    print_ingest_summary(report, con)
    con.close()
    if report.found and report.ingested == 0 and report.skipped == 0:
        sys.exit(1)


COMMANDS = [backfill]
