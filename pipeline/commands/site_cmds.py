"""`minutes watch`: what is new for saved searches since a date (for cron or mail)."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import click

from pipeline.commands.options import db_option


@click.command()
@click.option("--file", "watch_file", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="TOML file of saved searches ([[watch]] tables; see deploy/watches.example.toml).")
@click.option("--name", "names", multiple=True, help="Only these saved searches (repeatable; default: all).")
@click.option("--since", type=click.DateTime(["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"]), required=True,
              help="Report items of documents ingested at or after this date/time (UTC).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@db_option
def watch(watch_file: Path, names: tuple[str, ...], since: dt.datetime, fmt: str, db_path: Path) -> None:
    """Print what is new since --since for each saved search; exit 0 with nothing printed when nothing is new.

    Example (cron, mailed by MAILTO): minutes watch --file watches.toml --since "$(date -d yesterday +%F)"
    """
    from pipeline.commands.search_cmds import _open
    from pipeline.web.watch import WatchFileError, load_watches, new_for_watch

    try:
        watches = load_watches(watch_file)
    except WatchFileError as exc:
        raise click.ClickException(str(exc))
    unknown = set(names) - {w.name for w in watches}
    if unknown:
        raise click.ClickException(f"no saved search named {', '.join(sorted(unknown))} in {watch_file}")
    con = _open(db_path)
    report = {}
    for saved in watches:
        if names and saved.name not in names:
            continue
        report[saved.name] = new_for_watch(con, saved, since)
    con.close()
    if fmt == "json":
        click.echo(json.dumps({name: [{"item_id": i.item_id, "title": i.title, "committee": i.committee,
                                       "meeting_date": i.meeting_date.isoformat() if i.meeting_date else None,
                                       "outcome": i.outcome, "case_number": i.case_number, "doc_id": i.doc_id,
                                       "first_page": i.first_page} for i in items]
                               for name, items in report.items()}, ensure_ascii=False, indent=2))
        return
    for name, items in report.items():
        if not items:
            continue
        click.echo(f"== {name}: {len(items)} nye punkter siden {since:%Y-%m-%d}")
        for item in items:
            date = item.meeting_date.isoformat() if item.meeting_date else "?"
            click.echo(f"  {date}  {item.committee or '?'}  pkt. {item.number}: {item.title}"
                       + (f"  [{item.outcome}]" if item.outcome else "") + (f"  sag {item.case_number}" if item.case_number else ""))


COMMANDS = [watch]
