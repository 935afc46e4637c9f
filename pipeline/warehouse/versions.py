"""Meeting identity and document versions.

A meeting is the event (municipality, committee, date, start time -- or, without a start time, a printed
meeting number / "ekstraordinært" and its content); every file that describes it is a *version* of it in
`document_versions`: the agenda and the minutes, a corrected re-publication, a supplementary agenda, the
same meeting from a portal's structured data. Exactly one live version is *current* (its items fill the
meeting's rows); the others stay as *sources* (queryable, with their parsed content as JSON), or are
*superseded* by a newer file of the same kind. Every change of what a meeting shows is a row in
`meeting_events`, stamped with the ingest batch, so `minutes quality` can list every replacement of the
last run.

Precedence for the current version: minutes over agenda (decisions are what an analyst wants), then
structured portal data over PDF, then the newest; a supplementary agenda never becomes current but its
items are appended to an agenda. Scalar meeting fields empty in the current version are filled from the
other live versions in the same order.
"""
from __future__ import annotations

import dataclasses
import functools
import json
import types
import typing
from datetime import datetime, timezone
from enum import Enum

import duckdb
from rapidfuzz import fuzz, process

from pipeline.model import Meeting
from pipeline.warehouse.lookups import Lookup, run_lookups

CHANNEL_RANK = {"portal_json": 2, "pdf": 1}  # structured data wins over a PDF of the same meeting
TYPE_RANK = {"referat": 2, "dagsorden": 1}
MERGED_FIELDS = ("municipality", "committee", "meeting_date", "start_time", "end_time", "location")
SAME_TITLE = 90  # rapidfuzz ratio for two item titles to count as the same item
SAME_CONTENT = 0.5  # share of the smaller meeting's item titles found in the other: same meeting
RETIMED_CONTENT = 0.9  # a different printed start time is the same meeting only with (nearly) identical items


def stable_id(*parts: object) -> str:
    """Deterministic id from key fields (re-running is an upsert, never a duplicate)."""
    import hashlib

    return hashlib.sha1("\x1f".join("" if p is None else str(p) for p in parts).encode("utf-8")).hexdigest()[:20]


def item_key(item) -> int | str:
    """What identifies an item within its meeting: its number, or its position when it has none."""
    return item.number if item.number is not None else f"pos{item.position}"


def now_utc() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


# ----------------------------------------------------------------------------- meeting content as JSON
def meeting_to_json(meeting: Meeting) -> str:
    """Every field of a parsed meeting (items, sections, decisions, warnings) as JSON.

    The same text as json.dumps(dataclasses.asdict(meeting)), at under half the cost: the encoder asks
    `_plain` for each dataclass object instead of asdict deep-copying every value first."""
    return json.dumps(meeting, ensure_ascii=False, default=_plain)


@functools.cache
def _field_names(tp: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(tp))


def _plain(value):
    """A value json cannot encode itself: a dataclass object as a dict of its fields, an Enum as its value."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {name: getattr(value, name) for name in _field_names(type(value))}
    return value.value if isinstance(value, Enum) else str(value)


def meeting_from_json(text: str) -> Meeting:
    """The Meeting stored by meeting_to_json (unknown keys are ignored, missing ones take their defaults)."""
    return _build(Meeting, json.loads(text))


def store_content(con: duckdb.DuckDBPyConnection, doc_id: str, meeting: Meeting) -> None:
    """Keep a version's parsed meeting (with its document_versions row, in the same transaction)."""
    con.execute("INSERT INTO version_contents VALUES (?, ?)", [doc_id, meeting_to_json(meeting)])


def stored_meetings(con: duckdb.DuckDBPyConnection, doc_ids: list[str]) -> dict[str, Meeting]:
    """The parsed meetings kept with these versions, by doc_id (a version without one is left out).

    A read-only connection to a warehouse no writer has opened since `version_contents` came reads the
    column the parse was kept in before (db._move_version_contents moves it on the next write)."""
    ids = sorted(set(doc_ids))
    if not ids:
        return {}
    marks = ", ".join("?" * len(ids))  # a constant list, which DuckDB pushes into the scan of doc_id
    try:
        rows = con.execute(f"SELECT doc_id, content FROM version_contents WHERE doc_id IN ({marks})", ids).fetchall()
    except duckdb.CatalogException:
        rows = con.execute(f"SELECT doc_id, content FROM document_versions WHERE doc_id IN ({marks})", ids).fetchall()
    return {doc_id: meeting_from_json(content) for doc_id, content in rows}


@functools.cache
def _type_hints(tp: type) -> dict:
    return typing.get_type_hints(tp)  # resolving string annotations is slow; a meeting has hundreds of objects


def _build(tp, value):
    if value is None:
        return None
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        hints = _type_hints(tp)
        return tp(**{f.name: _build(hints[f.name], value[f.name])
                     for f in dataclasses.fields(tp) if f.init and f.name in value})
    if isinstance(tp, type) and issubclass(tp, Enum):
        return tp(value)
    origin = typing.get_origin(tp)
    if origin is list:
        (arg,) = typing.get_args(tp)
        return [_build(arg, v) for v in value]
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        return _build(args[0], value) if len(args) == 1 else value
    return value


# ----------------------------------------------------------------------------- identity
def norm_name(text: str | None) -> str:
    return " ".join((text or "").casefold().split())


def same_body(a: str | None, b: str | None) -> bool:
    """Same municipality/committee: equal after case/space folding, or nearly so (rapidfuzz)."""
    if not a or not b:
        return True  # unknown on one side does not contradict
    x, y = norm_name(a), norm_name(b)
    return x == y or fuzz.ratio(x, y) >= 92


def title_overlap(a: list[str], b: list[str]) -> float:
    """Share of the shorter title list that has a near-identical title in the other list."""
    if not a or not b:
        return 0.0
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    long_norm = [norm_name(t) for t in long_]
    hits = sum(1 for t in short
               if process.extractOne(norm_name(t), long_norm, scorer=fuzz.ratio, score_cutoff=SAME_TITLE) is not None)
    return hits / len(short)


# Items nearly every meeting has: they say nothing about which meeting a document describes.
PROCEDURAL_TITLES = ("godkendelse af dagsorden", "godkendelse af referat", "meddelelse", "orientering",
                     "eventuelt", "underskrift", "huskeliste", "spørgsmål", "lukket punkt", "punkter til næste møde")
GENERIC_IN_MEETINGS = 2  # a title printed in this many other meetings is generic too


def specific_titles(con: duckdb.DuckDBPyConnection, titles: list[str], exclude_meeting: str | None = None) -> list[str]:
    """Item titles that identify a meeting: not procedural, not repeated across stored meetings."""
    kept = [t for t in titles if not norm_name(t).startswith(PROCEDURAL_TITLES)]
    if not kept:
        return []
    common = {r[0] for r in con.execute(
        "SELECT lower(title) FROM agenda_items WHERE lower(title) IN (SELECT unnest(?::VARCHAR[])) "
        "AND meeting_id IS DISTINCT FROM ? GROUP BY 1 HAVING count(DISTINCT meeting_id) >= ?",
        [[t.lower() for t in kept], exclude_meeting, GENERIC_IN_MEETINGS]).fetchall()}
    return [t for t in kept if t.lower() not in common]


@dataclasses.dataclass
class MeetingKey:
    """What decides meeting identity, for a new document or a stored meeting."""

    municipality: str | None
    committee: str | None
    meeting_date: str | None
    start_time: str | None
    markers: set[str]
    titles: list[str]
    supplement: bool = False

    @property
    def complete(self) -> bool:
        return bool(self.committee and self.meeting_date)


def key_id(municipality, committee, meeting_date, start_time, marker) -> str:
    return stable_id(municipality, committee, meeting_date, start_time or "", marker or "")


def match_score(new: MeetingKey, old: MeetingKey) -> float | None:
    """How surely `new` describes the stored meeting `old` (None: a different meeting)."""
    if not (same_body(new.municipality, old.municipality) and same_body(new.committee, old.committee)):
        return None
    overlap = title_overlap(new.titles, old.titles)
    if new.markers and old.markers and not (new.markers & old.markers):
        return None  # 'Møde nr. 7' vs 'nr 8', or 'ekstraordinær' vs 'nr 7'
    if ("ekstraordinær" in new.markers) != ("ekstraordinær" in old.markers) and overlap < RETIMED_CONTENT:
        return None  # an extraordinary meeting beside the ordinary one
    if new.start_time and old.start_time:
        if new.start_time == old.start_time:
            return 3.0 + overlap
        if overlap >= RETIMED_CONTENT and min(len(new.titles), len(old.titles)) >= 2:
            return 1.0 + overlap  # a re-published agenda with a moved start time
        return None
    if new.markers & old.markers:
        return 2.0 + overlap
    if new.supplement:
        return 1.5  # a supplementary agenda adds other items: its committee and date decide
    if new.titles and old.titles:
        return 1.0 + overlap if overlap >= SAME_CONTENT else None
    return 0.5  # nothing tells them apart: the same meeting, re-published


def stored_key(con: duckdb.DuckDBPyConnection, mid: str) -> MeetingKey:
    row = con.execute("SELECT municipality, committee, CAST(meeting_date AS VARCHAR), start_time FROM meetings "
                      "WHERE meeting_id = ?", [mid]).fetchone()
    markers = {r[0] for r in con.execute("SELECT DISTINCT marker FROM document_versions WHERE meeting_id = ? "
                                         "AND status <> 'superseded' AND marker IS NOT NULL", [mid]).fetchall()}
    titles = [r[0] for r in con.execute("SELECT title FROM agenda_items WHERE meeting_id = ? ORDER BY position",
                                        [mid]).fetchall()]
    return MeetingKey(row[0], row[1], row[2], row[3], markers, specific_titles(con, titles, mid))


def identity_lookups(key: MeetingKey) -> list[Lookup]:
    """What resolve_meeting asks before it decides (none for an incomplete key): the stored meetings of the key's
    day, and whether a meeting holds the key's own id -- for the caller to ask along with its own lookups."""
    if not key.complete:
        return []
    mid = _own_id(key)
    return [Lookup("same_day", "SELECT meeting_id, municipality, committee FROM meetings "
                               "WHERE meeting_date = CAST(? AS DATE)", (key.meeting_date,), 3),
            Lookup("id_taken", "SELECT NULL FROM meetings WHERE meeting_id = ? UNION ALL SELECT NULL "
                               "FROM document_versions WHERE meeting_id = ? AND status <> 'superseded' LIMIT 1",
                   (mid, mid))]


def _own_id(key: MeetingKey) -> str:
    """The id a new meeting of this key gets (unless a meeting holds it already)."""
    return key_id(key.municipality, key.committee, key.meeting_date, key.start_time, min(key.markers, default=None))


def resolve_meeting(con: duckdb.DuckDBPyConnection, key: MeetingKey, doc_id: str,
                    answers: dict[str, list[tuple]] | None = None) -> str:
    """The id of the stored meeting this document describes, or a new deterministic id.

    `answers`: run_lookups' answers to identity_lookups(key), when the caller asked them with its own lookups
    (and wrote nothing they depend on since); asked here otherwise."""
    if not key.complete:
        return stable_id("doc", doc_id)
    if answers is None:
        answers = run_lookups(con, identity_lookups(key))
    # meetings of the same day and body (other committees are ruled out before their keys are loaded)
    candidates = [mid for mid, municipality, committee in answers["same_day"]
                  if same_body(key.municipality, municipality) and same_body(key.committee, committee)]
    if candidates:
        key = dataclasses.replace(key, titles=specific_titles(con, key.titles))
    scored = sorted(((score, mid) for mid in candidates if (score := match_score(key, stored_key(con, mid))) is not None),
                    reverse=True)
    if len(scored) > 1 and scored[0][0] == scored[1][0]:
        # two stored meetings fit equally well: joining either could replace the wrong one's minutes
        record_event(con, "ambiguous_identity", None, doc_id, None,
                     f"fits {len([s for s in scored if s[0] == scored[0][0]])} meetings of the same day equally well; "
                     "stored as a meeting of its own")
        return stable_id(key_id(key.municipality, key.committee, key.meeting_date, key.start_time, None), "doc", doc_id)
    if scored:
        return scored[0][1]
    mid = _own_id(key)
    return stable_id(mid, "doc", doc_id) if answers["id_taken"] else mid  # same key, other content: a second meeting


# ----------------------------------------------------------------------------- what changed
def describe_changes(old: Meeting | None, new: Meeting) -> dict:
    """Items added/removed, titles and decisions changed, meeting fields changed, between two versions."""
    if old is None:
        return {}
    def by_key(meeting):
        return {item_key(i): i for i in meeting.items}
    before, after = by_key(old), by_key(new)
    changes: dict = {}
    fields = {f: [getattr(old, f), getattr(new, f)] for f in MERGED_FIELDS + ("document_type",)
              if getattr(old, f) != getattr(new, f)}
    if fields:
        changes["fields"] = fields
    added = [k for k in after if k not in before]
    removed = [k for k in before if k not in after]
    if added:
        changes["items_added"] = added
    if removed:
        changes["items_removed"] = removed
    titles = [k for k in after if k in before and norm_name(after[k].title) != norm_name(before[k].title)]
    if titles:
        changes["titles_changed"] = titles
    decided = [k for k in after if k in before and _decision(after[k]) != _decision(before[k])]
    if decided:
        changes["decisions_changed"] = decided
    return changes


def _decision(item) -> tuple:
    d = item.decision
    return (norm_name(d.text), str(getattr(d.outcome, "value", d.outcome))) if d else ("", "none")


def summarize(changes: dict) -> str:
    """One line for people: 'type dagsorden→referat; +2 items (7, 8); decisions changed: 3'."""
    parts = []
    for name, (a, b) in changes.get("fields", {}).items():
        parts.append(f"{name} {a}→{b}")
    for key, label in (("items_added", "items added"), ("items_removed", "items removed"),
                       ("titles_changed", "titles changed"), ("decisions_changed", "decisions changed")):
        if changes.get(key):
            parts.append(f"{label}: {', '.join(str(k) for k in changes[key])}")
    return "; ".join(parts) or "no visible change"


# ----------------------------------------------------------------------------- batches and events
def begin_batch(con: duckdb.DuckDBPyConnection) -> int:
    """Start an ingest batch (one `minutes ingest` or nightly run); events are stamped with it."""
    batch = con.execute("SELECT coalesce(max(batch_id), 0) + 1 FROM ingest_batches").fetchone()[0]
    con.execute("INSERT INTO ingest_batches VALUES (?, ?)", [batch, now_utc()])
    return batch


def current_batch(con: duckdb.DuckDBPyConnection) -> int:
    return con.execute("SELECT coalesce(max(batch_id), 0) FROM ingest_batches").fetchone()[0]


def record_event(con: duckdb.DuckDBPyConnection, kind: str, meeting_id: str | None, doc_id: str | None,
                 replaced_doc_id: str | None, summary: str, changes: dict | None = None) -> None:
    con.execute("INSERT INTO meeting_events VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [current_batch(con), now_utc(), kind, meeting_id, doc_id, replaced_doc_id, summary,
                 json.dumps(changes or {}, ensure_ascii=False)])


def replacements_of_last_run(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """Every event of the latest ingest batch: (kind, meeting, committee, date, new file, replaced file, summary)."""
    return con.execute("""
        SELECT e.kind, e.meeting_id, m.committee, m.meeting_date,
               coalesce(n.source_file, d.source_file, e.doc_id) AS file,
               coalesce(o.source_file, e.replaced_doc_id) AS replaced, e.summary
        FROM meeting_events e
        LEFT JOIN meetings m USING (meeting_id)
        LEFT JOIN document_versions n ON n.doc_id = e.doc_id
        LEFT JOIN documents d ON d.doc_id = e.doc_id
        LEFT JOIN document_versions o ON o.doc_id = e.replaced_doc_id
        WHERE e.batch_id = (SELECT coalesce(max(batch_id), 0) FROM ingest_batches)
        ORDER BY e.occurred_at, e.kind""").fetchall()
