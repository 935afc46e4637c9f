"""Saved searches for `minutes watch`: what is new since a date, for use from cron or mail.

A watch file is TOML with one `[[watch]]` table per saved search (see deploy/watches.example.toml):

    [[watch]]
    name = "lokalplaner i byrådet"
    query = "lokalplan"
    committee = "Byråd"      # any search filter: municipality, committee, case, outcome, type, from, to
"""
from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.search.engine import Filters, search
from pipeline.warehouse import queries

FILTER_KEYS = ("municipality", "committee", "case", "outcome", "type", "from", "to")
MAX_CANDIDATES = 5000  # newest matching items looked at per watch; a nightly delta is far smaller


@dataclass
class Watch:
    name: str
    query: str = ""
    filters: dict[str, str] = field(default_factory=dict)

    def to_filters(self) -> Filters:
        f = self.filters
        return Filters(municipality=f.get("municipality"), committee=f.get("committee"),
                       date_from=dt.date.fromisoformat(f["from"]) if f.get("from") else None,
                       date_to=dt.date.fromisoformat(f["to"]) if f.get("to") else None,
                       case_prefix=f.get("case"), outcome=f.get("outcome"), document_type=f.get("type"))


class WatchFileError(ValueError):
    """A watch file that cannot be read; the message says which entry and why."""


def load_watches(path: Path) -> list[Watch]:
    """The saved searches in a TOML watch file."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise WatchFileError(f"{path}: {exc}") from exc
    watches = []
    for number, entry in enumerate(data.get("watch", []), start=1):
        if not isinstance(entry, dict) or not entry.get("name"):
            raise WatchFileError(f"{path}: [[watch]] number {number} has no name")
        unknown = set(entry) - {"name", "query", *FILTER_KEYS}
        if unknown:
            raise WatchFileError(f"{path}: watch '{entry['name']}' has unknown keys {sorted(unknown)}")
        watches.append(Watch(str(entry["name"]), str(entry.get("query", "")),
                             {k: str(entry[k]) for k in FILTER_KEYS if entry.get(k)}))
    return watches


def new_for_watch(cur, watch: Watch, since: dt.datetime) -> list[queries.ItemRow]:
    """Items matching the saved search whose documents were ingested at or after `since`, newest meeting first."""
    result = search(cur, watch.query, watch.to_filters(), limit=MAX_CANDIDATES, sort="date", snippets=False)
    ids = [hit.item_id for hit in result.hits]
    return queries.new_items(cur, since, ids) if ids else []
