"""`minutes search`, `minutes serve`: Danish full-text search over the warehouse (CLI and web)."""
from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import click

from pipeline.commands.options import db_option

OUTCOMES = ["approved", "approved_with_changes", "rejected", "noted", "postponed", "discussed", "other", "none"]


def filter_options(func):
    options = [
        click.option("--municipality", help="Only this municipality (case-insensitive substring, e.g. 'Gentofte')."),
        click.option("--committee", help="Only this committee (case-insensitive substring)."),
        click.option("--from", "date_from", type=click.DateTime(["%Y-%m-%d"]), help="Meetings on or after YYYY-MM-DD."),
        click.option("--to", "date_to", type=click.DateTime(["%Y-%m-%d"]), help="Meetings on or before YYYY-MM-DD."),
        click.option("--case", "case_prefix", help="Case number prefix, e.g. '27.00' (a KLE group) or '2022-'."),
        click.option("--outcome", type=click.Choice(OUTCOMES), help="Decision outcome."),
        click.option("--type", "document_type", type=click.Choice(["referat", "dagsorden"]), help="Document type."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _open(db_path: Path, rebuild: bool = False):
    from pipeline.search.index import index_exists, rebuild_index
    from pipeline.warehouse.db import connect

    if rebuild:
        if not Path(db_path).exists():
            raise click.ClickException(f"no warehouse at {db_path}; run `minutes ingest` first")
        writer = connect(db_path)
        rebuild_index(writer)
        writer.close()
    from pipeline.warehouse.db import WarehouseBusy
    from pipeline.warehouse.snapshot import snapshot_path

    try:
        con = connect(db_path, read_only=True)
    except WarehouseBusy:  # an ingest is writing: read the last published snapshot instead
        if not snapshot_path(db_path).exists():
            raise  # nothing published yet: busy, exit 75
        click.echo(f"(the warehouse is being written; searching its last snapshot)", err=True)
        con = connect(snapshot_path(db_path), read_only=True)
    if not index_exists(con):
        raise click.ClickException(f"{db_path} has no search index; run `minutes search --rebuild-index ...` once "
                                   "(new ingests rebuild it automatically)")
    return con


@click.command()
@click.argument("query", required=False, default="")
@filter_options
@click.option("--sort", type=click.Choice(["relevance", "date", "date_asc"]), default="relevance", show_default=True)
@click.option("--limit", type=click.IntRange(1, 1000), default=10, show_default=True)
@click.option("--offset", type=click.IntRange(0), default=0)
@click.option("--plain", is_flag=True, help="Stock BM25 without Danish query analysis (for comparison).")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True)
@click.option("--rebuild-index", is_flag=True, help="Rebuild the search index first (e.g. a warehouse from before search).")
@db_option
def search(query, municipality, committee, date_from, date_to, case_prefix, outcome, document_type,
           sort, limit, offset, plain, fmt, rebuild_index, db_path):
    """Search agenda items in Danish: inflections, compounds, aa/å spellings and typos are handled.

    Phrases go in double quotes; case numbers (27.00, 2022-0371704, 18/13756) match exactly as prefixes.

    Example: minutes search "frivilligfest" --municipality Gentofte --from 2020-01-01 --format json
    """
    from pipeline.search.engine import Filters, QueryError, search as run_search
    from pipeline.warehouse.documents import search_documents

    con = _open(db_path, rebuild=rebuild_index)
    filters = Filters(municipality=municipality, committee=committee,
                      date_from=date_from.date() if date_from else None, date_to=date_to.date() if date_to else None,
                      case_prefix=case_prefix, outcome=outcome, document_type=document_type)
    try:
        result = run_search(con, query, filters, limit=limit, offset=offset, sort=sort,
                            mode="plain" if plain else "danish", facets=(fmt == "table"))
    except QueryError as exc:
        raise click.ClickException(str(exc))
    rows = [h.to_dict() for h in result.hits]
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
    elif fmt == "csv":
        import csv

        writer = csv.DictWriter(sys.stdout, fieldnames=list(rows[0]) if rows else ["item_id"])
        writer.writeheader()
        writer.writerows(rows)
    else:
        if result.corrected_query:
            click.echo(f"søgte i stedet efter: {result.corrected_query}")
        if result.also_searched:
            click.echo(f"søgte også efter: {', '.join(result.also_searched)}")
        if result.suggestion:
            click.echo(f"mente du: {result.suggestion}?")
        click.echo(f"{result.total} hits" + (f" (showing {offset + 1}-{offset + len(rows)})" if rows else ""))
        if result.total:
            for name, counts in result.facets.items():
                click.echo(f"  {name}: " + ", ".join(f"{value} ({n})" for value, n in counts[:8]))
        for i, hit in enumerate(result.hits, start=offset + 1):
            date = hit.meeting_date.isoformat() if hit.meeting_date else "?"
            click.echo(f"\n{i:>3}. {click.style(hit.title, bold=True)}  [{hit.score:.2f}]")
            click.echo(f"     {hit.municipality} / {hit.committee} / {date} / pkt. {hit.number} / {hit.outcome}"
                       + (f" / sag {hit.case_number}" if hit.case_number else ""))
            snippet = "".join(click.style(t, bold=True, underline=True) if h else t for t, h in hit.snippet_segments)
            if snippet:
                click.echo(f"     {snippet}")
            click.echo(f"     {hit.source_file} p. {hit.cited_page}")
        if offset == 0 and not filters.any():  # documents have no committee/date/outcome to filter on
            documents = search_documents(con, query)
            if documents:
                click.echo(f"\nother documents (attachments, notes; not minutes): {len(documents)}")
            for doc in documents:
                page = f" p. {doc['page']}" if doc["page"] else ""
                click.echo(f"  - {doc['title'] or doc['source_file']}  [{doc['doc_class']}]  {doc['source_file']}{page}")
                if doc["snippet"]:
                    click.echo(f"    …{doc['snippet']}…")
    con.close()


@click.command()
@db_option
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=8765, show_default=True)
@click.option("--pdf-dir", "pdf_dirs", multiple=True, type=click.Path(file_okay=False, path_type=Path),
              help="Extra folders to look for source PDFs in when documents.source_path has moved (repeatable).")
@click.option("--index-memory", "index_memory_mb", type=click.IntRange(min=0), default=2048, show_default=True,
              help="MB the search postings may take in memory (5 bytes each, ~1 GB per million items); "
                   "a bigger index, or 0, reads them from disk (slower searches, same results).")
def serve(db_path, host, port, pdf_dirs, index_memory_mb):
    """Serve a small search web site (read-only) over the warehouse's published snapshot.

    The site reads `<db>.snapshot.duckdb` (made now if missing; ingest and nightly publish a new one after each
    run and the site switches to it), so ingests can write the warehouse while the site keeps answering.

    The site holds each snapshot's search index in memory (read in the background after start-up and after
    each swap; until then searches run in SQL with the same results).

    Example: minutes serve --port 8765 --pdf-dir data/raw  (then open http://127.0.0.1:8765/)
    """
    from pipeline.web.server import make_server

    import duckdb

    try:  # serves the read-only snapshot beside the warehouse, so ingest/nightly can write meanwhile
        server = make_server(db_path, host=host, port=port, pdf_dirs=list(pdf_dirs),
                             postings_bytes=index_memory_mb << 20)
    except (FileNotFoundError, RuntimeError, duckdb.Error, OSError) as exc:
        raise click.ClickException(f"cannot serve {db_path}: {exc}")
    click.echo(f"serving {db_path} on http://{host}:{server.server_address[1]}/  (Ctrl-C stops)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


COMMANDS = [search, serve]
