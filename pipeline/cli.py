"""The `minutes` command: thin wrappers over the stages (the only module that knows them all)."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from pipeline.commands.options import (allow_failures_option, db_option, limit_options, make_limits, stamp)
from pipeline.ingest.nightly import EXIT_LOCKED
from pipeline.warehouse.db import WarehouseBusy, WarehouseError, connect

EXIT_BUSY = EXIT_LOCKED  # EX_TEMPFAIL: the warehouse is open in another process; try again later


class WarehouseBusyError(click.ClickException):
    exit_code = EXIT_BUSY


class MinutesGroup(click.Group):
    """Every command: a warehouse that is missing, busy or unreadable is one line on stderr, not a traceback
    (exit 75 when busy, 1 otherwise)."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except WarehouseBusy as exc:
            raise WarehouseBusyError(str(exc)) from None
        except WarehouseError as exc:
            raise click.ClickException(str(exc)) from None


@click.group(cls=MinutesGroup, context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Mine Danish municipal meeting minutes (referater/dagsordener) into a DuckDB warehouse."""


def refresh_search_index(con, doc_ids: list[str]) -> str | None:
    """Index the documents just loaded, and repair a missing or incomplete index (an earlier build was killed).
    Raises IndexRefreshError when that fails."""
    from pipeline.ingest.search_refresh import ensure_search_index

    return ensure_search_index(con, doc_ids)


def print_ingest_summary(report, con) -> None:
    click.echo(f"files: {report.found}  ingested: {report.ingested}  skipped (already known): {report.skipped}  "
               f"failed: {report.failed}  pages parsed: {report.pages}")
    for outcome in report.outcomes:
        if outcome.status == "failed":
            click.echo(f"{stamp()} FAILED {outcome.path}: {outcome.reason} - {outcome.detail}", err=True)
    totals = con.execute("""SELECT (SELECT count(*) FROM documents), (SELECT count(*) FROM meetings),
                                   (SELECT count(*) FROM agenda_items), (SELECT count(*) FROM decisions WHERE outcome <> 'none'),
                                   (SELECT count(*) FROM parse_warnings)""").fetchone()
    click.echo(f"warehouse: {totals[0]} documents, {totals[1]} meetings, {totals[2]} agenda items, "
               f"{totals[3]} decisions, {totals[4]} parse warnings")


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@db_option
@click.option("--workers", type=int, default=None, help="Worker processes for extraction (default: all cores).")
@click.option("--engine", type=click.Choice(["pdfium", "pdfplumber"]), default="pdfium", show_default=True,
              help="Extraction engine: pdfium (fast) or pdfplumber (reference); both give the same lines.")
@click.option("--progress/--no-progress", default=True, help="Show a progress bar.")
@allow_failures_option
@limit_options
def ingest(paths: tuple[Path, ...], db_path: Path, workers: int | None, engine: str, progress: bool,
           allow_failures: bool, timeout_seconds: float, max_memory_mb: int) -> None:
    """Ingest minutes PDFs and FirstAgenda meeting JSON (files or folders) into the warehouse.

    Known files (same content hash) are skipped; a changed file replaces its old rows. Broken files are
    recorded in `ingest_errors` and the batch goes on. Each document is read in a worker process with a time
    and memory limit. Exit code 1 when a file failed (unless --allow-failures) or the search index could not
    be built; failures are listed on stderr with a timestamp.

    Example: minutes ingest data/raw/
    """
    from pipeline.ingest.search_refresh import IndexRefreshError
    from pipeline.ingest.service import ingest_paths

    con = connect(db_path)
    report = ingest_paths(paths, con, workers=workers, progress=progress and sys.stderr.isatty(), engine=engine,
                          limits=make_limits(timeout_seconds, max_memory_mb))
    index_failed = False
    try:
        refresh_search_index(con, [o.doc_id for o in report.outcomes if o.status == "ingested"])
    except IndexRefreshError as exc:
        index_failed = True
        click.echo(f"{stamp()} ERROR {exc}", err=True)
    from pipeline.warehouse.snapshot import publish_snapshot, snapshot_path

    if not index_failed and (report.ingested or not snapshot_path(db_path).exists()):
        publish_snapshot(con, db_path)  # the read-only copy `minutes serve` reads while ingests write
    print_ingest_summary(report, con)
    con.close()
    if index_failed or (report.failed and not allow_failures):
        raise SystemExit(1)


@cli.command()
@db_option
@click.option("--format", "fmt", type=click.Choice(["json", "csv", "parquet"]), default="json", show_default=True)
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True)
def export(db_path: Path, fmt: str, out_dir: Path) -> None:
    """Export the warehouse: json = one gold-format file per source document; csv/parquet = one file per table.

    Example: minutes export --format json --out out/
    """
    from pipeline.warehouse.export import export_json, export_tables

    con = connect(db_path, read_only=True)
    count = export_json(con, out_dir) if fmt == "json" else export_tables(con, out_dir, fmt)
    click.echo(f"wrote {count} {'documents' if fmt == 'json' else 'tables'} to {out_dir}")


@cli.command()
@click.argument("query")
@db_option
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
def sql(query: str, db_path: Path, fmt: str) -> None:
    """Run a read-only SQL query against the warehouse and print the result.

    The query can read the warehouse's tables and nothing else: no writes, no COPY/EXPORT to files, no
    read_csv/read_text/glob of files, no ATTACH, no INSTALL/LOAD, and no SET that would undo this.

    Example: minutes sql "SELECT committee, outcome, count(*) FROM decisions_overview GROUP BY ALL"
    """
    import duckdb

    from pipeline.warehouse.db import connect_sandboxed

    con = connect_sandboxed(db_path)  # read-only, no file/network access, settings locked
    try:
        cursor = con.execute(query)
    except duckdb.Error as exc:
        raise click.ClickException(str(exc))
    if cursor.description is None:
        return
    names = [d[0] for d in cursor.description]
    try:
        rows = cursor.fetchall()
    except duckdb.Error as exc:
        raise click.ClickException(str(exc))
    if fmt == "json":
        click.echo(json.dumps([dict(zip(names, r)) for r in rows], ensure_ascii=False, default=str, indent=2))
    elif fmt == "csv":
        import csv

        writer = csv.writer(sys.stdout)
        writer.writerow(names)
        writer.writerows(rows)
    else:
        click.echo(format_table(names, rows))


def format_table(names: list[str], rows: list[tuple], width: int = 60) -> str:
    """A plain text table, long cells cut to `width` characters."""
    def cell(value) -> str:
        text = "" if value is None else str(value)
        text = " ".join(text.split())
        return text if len(text) <= width else text[: width - 1] + "…"

    cells = [[cell(v) for v in row] for row in rows]
    widths = [max([len(n)] + [len(r[i]) for r in cells]) for i, n in enumerate(names)]
    lines = [" | ".join(n.ljust(w) for n, w in zip(names, widths)), "-+-".join("-" * w for w in widths)]
    lines += [" | ".join(c.ljust(w) for c, w in zip(row, widths)) for row in cells]
    lines.append(f"({len(rows)} rows)")
    return "\n".join(lines)


@cli.command()
@db_option
def stats(db_path: Path) -> None:
    """Counts per table, outcomes, documents with warnings and ingest errors."""
    con = connect(db_path, read_only=True)
    for table in ("documents", "meetings", "agenda_items", "item_sections", "decisions", "decision_notes",
                  "attachments", "members", "attendance", "parse_warnings", "ingest_errors"):
        click.echo(f"{table:16s} {con.execute(f'SELECT count(*) FROM {table}').fetchone()[0]:>8}")
    click.echo("\noutcomes:")
    for outcome, count in con.execute("SELECT outcome, count(*) FROM decisions GROUP BY 1 ORDER BY 2 DESC").fetchall():
        click.echo(f"  {outcome:24s} {count:>6}")
    click.echo("\ncommittees:")
    for row in con.execute("""SELECT municipality, committee, count(*), min(meeting_date), max(meeting_date)
                              FROM meetings GROUP BY 1, 2 ORDER BY 1, 2""").fetchall():
        click.echo(f"  {row[0]} / {row[1]}: {row[2]} meetings ({row[3]} .. {row[4]})")


@cli.command()
@db_option
@click.option("--all", "show_all", is_flag=True, help="List every warning, not only a summary per document.")
def quality(db_path: Path, show_all: bool) -> None:
    """Documents to check by hand: parse warnings and ingest errors per document.

    Example: minutes quality --all
    """
    con = connect(db_path, read_only=True)
    rows = con.execute("""SELECT source_file, count(*) AS warnings, string_agg(DISTINCT code, ', ') AS codes
                          FROM parse_warnings GROUP BY 1 ORDER BY 2 DESC, 1""").fetchall()
    click.echo(format_table(["source_file", "warnings", "codes"], rows, width=90))
    if show_all:
        detail = con.execute("""SELECT source_file, code, item_number, page, message FROM parse_warnings
                                ORDER BY source_file, position""").fetchall()
        click.echo(format_table(["source_file", "code", "item", "page", "message"], detail, width=90))
    from pipeline.warehouse.versions import replacements_of_last_run

    replaced = replacements_of_last_run(con)
    if replaced:
        click.echo("\nreplacements and new versions in the last ingest run:")
        click.echo(format_table(["kind", "meeting_id", "committee", "date", "file", "replaced", "what changed"],
                                replaced, width=70))
    errors = con.execute("SELECT source_path, reason, detail FROM ingest_errors ORDER BY source_path").fetchall()
    if errors:
        click.echo("\ningest errors:")
        click.echo(format_table(["source_path", "reason", "detail"], errors, width=90))


@cli.command()
@db_option
def check(db_path: Path) -> None:
    """Check logical foreign keys, document versions and search-index completeness; exit 1 on any problem."""
    from pipeline.warehouse.integrity import check_warehouse

    con = connect(db_path, read_only=True)
    problems = {name: n for name, n in check_warehouse(con).items() if n}
    for name, count in problems.items():
        click.echo(f"{name}: {count}")
    if problems:
        raise SystemExit(1)
    click.echo("ok: every key points at an existing row, versions agree, the search index is complete")


@cli.command("build-model")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Target folder (default: models/minutes_da).")
def build_model(out_dir: Path | None) -> None:
    """Assemble the spaCy pipeline (blank 'da' + lookup lemmatizer + our components) and save it under models/."""
    from pipeline.parse.nlp import build_pipeline

    click.echo(f"saved pipeline to {build_pipeline(out_dir)}")


@cli.group()
def kle() -> None:
    """KLE topic titles (not shipped: load a KLE file you hold)."""


@kle.command("load")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@db_option
def kle_load(file: Path, db_path: Path) -> None:
    """Load KLE titles from a CSV/TSV/semicolon file with columns code,title (e.g. '27.00.00;Titel').

    Titles then show in the `kle_topics` table and the `agenda_items_kle` view.
    """
    from pipeline.warehouse.kle import load_kle_file

    con = connect(db_path)
    click.echo(f"loaded {load_kle_file(con, file)} KLE codes")


def _register_extensions() -> None:
    from pipeline.commands import backfill_cmds, nightly_cmds, search_cmds, site_cmds

    for module in (search_cmds, nightly_cmds, site_cmds, backfill_cmds):
        for command in module.COMMANDS:
            cli.add_command(command)


_register_extensions()


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
