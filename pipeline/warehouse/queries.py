"""Read-only queries behind the journalist's site: case timelines, committees, members, meetings, latest news.

Every function takes a DuckDB cursor and plain values, returns dataclasses, and uses parameters only. Lists that
grow with the warehouse (a committee's meetings, a member's votes) are paged with `limit`/`offset`, so a page costs
the same on a 100k-item warehouse as on a small one.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

# A party letter printed after a name, as member lists do: "Anna Hansen (A)", "Liselott Blixt (UP)".
_PARTY_AFTER_NAME = re.compile(r"\(([A-ZÆØÅ]{1,3})\)\s*$")


@dataclass
class ItemRow:
    """One agenda item as the site lists it."""

    item_id: str
    meeting_id: str
    doc_id: str
    municipality: str | None
    committee: str | None
    meeting_date: dt.date | None
    document_type: str
    number: int | None
    title: str
    case_number: str | None
    first_page: int | None
    recommendation: str | None = None
    decision: str | None = None
    outcome: str | None = None
    votes_for: list[str] = field(default_factory=list)
    votes_against: list[str] = field(default_factory=list)
    votes_abstain: list[str] = field(default_factory=list)
    ingested_at: dt.datetime | None = None


@dataclass
class MeetingRow:
    meeting_id: str
    doc_id: str
    source_file: str
    municipality: str | None
    committee: str | None
    meeting_date: dt.date | None
    document_type: str
    start_time: str | None
    end_time: str | None
    location: str | None
    items: int = 0


@dataclass
class SourceRow:
    """One file that describes a meeting (a version in document_versions)."""
    doc_id: str
    channel: str  # pdf | portal_json
    document_type: str
    supplement: bool
    status: str  # current | source | superseded
    source_file: str
    first_seen: dt.datetime
    portal_url: str | None  # the portal API URL the JSON was fetched from (nightly firstagenda source)


@dataclass
class MeetingPage:
    meeting: MeetingRow
    items: list[ItemRow]
    members: list[tuple[str, str | None]]  # (name as printed, member_id)
    absent: list[tuple[str, str | None]]  # (name, printed qualifier)
    sources: list[SourceRow] = field(default_factory=list)


@dataclass
class CommitteePage:
    municipality: str | None
    committee: str
    meetings: list[MeetingRow]
    meeting_count: int
    items_by_meeting: dict[str, list[ItemRow]]
    members: list[tuple[str, str, int]]  # (member_id, name, meetings listed) in the meetings on this page
    attendance_rate: float | None  # present / (present + absent) over the member x item rows of this page


@dataclass
class MemberPage:
    member_id: str
    name: str
    spellings: list[str]
    party: str | None
    committees: list[tuple[str | None, str, int]]  # (municipality, committee, meetings)
    attended: int
    missed: int
    missed_meetings: list[MeetingRow]
    votes: list[tuple[str, ItemRow]]  # (side: for/against/abstain, item) where the member or their party is named
    vote_count: int


_ITEM_COLUMNS = """i.item_id, i.meeting_id, i.doc_id, m.municipality, m.committee, m.meeting_date, m.document_type,
    i.number, i.title, i.case_number, i.first_page, i.recommendation"""
_ITEM_FROM = "agenda_items i JOIN meetings m USING (meeting_id)"
_MEETING_COLUMNS = """m.meeting_id, m.doc_id, m.source_file, m.municipality, m.committee, m.meeting_date, m.document_type,
    m.start_time, m.end_time, m.location"""


def _placeholders(values: list) -> str:
    """'?, ?, ?' for an IN list: bound one by one, DuckDB filters the scan by them instead of joining a list."""
    return ", ".join("?" * len(values)) or "NULL"


def _items(cur, where: str, params: list, order: str = "i.position", limit: int | None = None,
           offset: int = 0) -> list[ItemRow]:
    """Item rows with their meeting, then decisions and ingest times fetched for just those items.

    Two small queries instead of one join: the join would read every decision text of a large warehouse."""
    sql = f"SELECT {_ITEM_COLUMNS} FROM {_ITEM_FROM} WHERE {where} ORDER BY {order}"
    if limit:
        sql, params = sql + " LIMIT ? OFFSET ?", params + [limit, offset]
    rows = cur.execute(sql, params).fetchall()
    items = [ItemRow(*row) for row in rows]
    if not items:
        return items
    ids = [item.item_id for item in items]
    decisions = {r[0]: r[1:] for r in cur.execute(
        f"""SELECT item_id, text, outcome, coalesce(votes_for, []), coalesce(votes_against, []),
                   coalesce(votes_abstain, []) FROM decisions WHERE item_id IN ({_placeholders(ids)})""", ids).fetchall()}
    docs = sorted({item.doc_id for item in items})
    ingested = dict(cur.execute(f"SELECT doc_id, ingested_at FROM documents WHERE doc_id IN ({_placeholders(docs)})",
                                docs).fetchall())
    for item in items:
        if item.item_id in decisions:
            item.decision, item.outcome, item.votes_for, item.votes_against, item.votes_abstain = decisions[item.item_id]
        item.ingested_at = ingested.get(item.doc_id)
    return items


def _meetings(cur, rows) -> list[MeetingRow]:
    """Meeting rows with their item counts (counted for just these meetings)."""
    meetings = [MeetingRow(*row) for row in rows]
    ids = [m.meeting_id for m in meetings]
    if ids:
        counts = dict(cur.execute(f"""SELECT meeting_id, count(*) FROM agenda_items
                                       WHERE meeting_id IN ({_placeholders(ids)}) GROUP BY 1""", ids).fetchall())
        for meeting in meetings:
            meeting.items = counts.get(meeting.meeting_id, 0)
    return meetings


def party_of(names: list[str]) -> str | None:
    """The party letter printed after a member's name in any spelling, when the minutes print one."""
    for name in names:
        match = _PARTY_AFTER_NAME.search(name)
        if match:
            return match.group(1)
    return None


def latest_meetings(cur, limit: int = 10) -> list[MeetingRow]:
    """The newest meetings, for the start page."""
    return _meetings(cur, cur.execute(
        f"""SELECT {_MEETING_COLUMNS} FROM meetings m ORDER BY m.meeting_date DESC NULLS LAST, m.start_time DESC NULLS LAST LIMIT ?""",
        [limit]).fetchall())


def latest_decisions(cur, limit: int = 10) -> list[ItemRow]:
    """The newest decisions that say something (not empty, not 'none'), for the start page."""
    recent = [r[0] for r in cur.execute("""SELECT meeting_id FROM meetings WHERE document_type = 'referat'
                                           ORDER BY meeting_date DESC NULLS LAST, start_time DESC NULLS LAST
                                           LIMIT ?""", [limit]).fetchall()]
    items = _items(cur, f"i.meeting_id IN ({_placeholders(recent)})", recent,
                   "m.meeting_date DESC NULLS LAST, i.meeting_id, i.position")
    return [item for item in items if item.outcome and item.outcome != "none"][:limit]


def case_timeline(cur, case_number: str) -> list[ItemRow]:
    """Every appearance of a case number across committees and meetings, oldest first."""
    return _items(cur, "i.case_number = ?", [case_number],
                  "m.meeting_date NULLS LAST, m.start_time NULLS LAST, m.committee, i.position")


def case_counts(cur, case_numbers: list[str]) -> dict[str, int]:
    """How many appearances each case number has (results lists group the same case)."""
    if not case_numbers:
        return {}
    return dict(cur.execute("""SELECT case_number, count(*) FROM agenda_items
                               WHERE case_number IN (SELECT unnest(?::VARCHAR[])) GROUP BY 1""",
                            [case_numbers]).fetchall())


def meeting_page(cur, meeting_id: str) -> MeetingPage | None:
    """The meeting as published: front matter, items in order with outcomes, members and absences."""
    row = cur.execute(f"SELECT {_MEETING_COLUMNS} FROM meetings m WHERE m.meeting_id = ?", [meeting_id]).fetchone()
    if row is None:
        return None
    items = _items(cur, "i.meeting_id = ?", [meeting_id])
    meeting = MeetingRow(*row, items=len(items))
    members = cur.execute("SELECT name, member_id FROM meeting_members WHERE meeting_id = ? ORDER BY position",
                          [meeting_id]).fetchall()
    absent = cur.execute("SELECT name, note FROM meeting_absences WHERE meeting_id = ? ORDER BY position",
                         [meeting_id]).fetchall()
    return MeetingPage(meeting, items, members, absent, meeting_sources(cur, meeting_id))


def meeting_sources(cur, meeting_id: str) -> list[SourceRow]:
    """Every file that describes the meeting, current first, then the others newest first."""
    has_portal = cur.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'portal_meetings'").fetchone()[0]
    portal = ("(SELECT min(p.api_url) FROM portal_meetings p WHERE p.sha256 = v.doc_id)" if has_portal
              else "NULL::VARCHAR")
    rows = cur.execute(f"""SELECT v.doc_id, v.channel, v.document_type, v.supplement, v.status, v.source_file,
                                  v.first_seen, {portal}
                           FROM document_versions v WHERE v.meeting_id = ?
                           ORDER BY v.status = 'current' DESC, v.status = 'superseded', v.first_seen DESC""",
                       [meeting_id]).fetchall()
    return [SourceRow(*row) for row in rows]


def committees(cur) -> list[tuple[str | None, str, int]]:
    """(municipality, committee, meetings) for every committee, for navigation."""
    return cur.execute("""SELECT municipality, committee, count(*) FROM meetings WHERE committee IS NOT NULL
                          GROUP BY ALL ORDER BY 1, 2""").fetchall()


def committee_page(cur, municipality: str | None, committee: str, limit: int = 20, offset: int = 0) -> CommitteePage | None:
    """A committee's meetings by date (newest first, paged) with their items and outcomes, members, attendance."""
    where = "m.committee = ? AND m.municipality IS NOT DISTINCT FROM ?"
    params = [committee, municipality]
    count = cur.execute(f"SELECT count(*) FROM meetings m WHERE {where}", params).fetchone()[0]
    if not count:
        return None
    meetings = _meetings(cur, cur.execute(
        f"""SELECT {_MEETING_COLUMNS} FROM meetings m WHERE {where}
            ORDER BY m.meeting_date DESC NULLS LAST, m.start_time DESC NULLS LAST LIMIT ? OFFSET ?""",
        params + [limit, offset]).fetchall())
    ids = [m.meeting_id for m in meetings]
    by_meeting: dict[str, list[ItemRow]] = {mid: [] for mid in ids}
    for item in _items(cur, f"i.meeting_id IN ({_placeholders(ids)})", ids):
        by_meeting[item.meeting_id].append(item)
    # members and attendance of the meetings shown: a committee's membership changes with each election period,
    # and the cost stays that of one page however long the committee's history is
    members = cur.execute(
        f"""SELECT member_id, any_value(name), count(DISTINCT meeting_id) AS n FROM meeting_members
            WHERE meeting_id IN ({_placeholders(ids)}) AND member_id IS NOT NULL GROUP BY 1 ORDER BY n DESC, 2""",
        ids).fetchall()
    rate = cur.execute(
        f"""SELECT avg(CASE WHEN status = 'present' THEN 1.0 ELSE 0.0 END) FROM attendance
            WHERE meeting_id IN ({_placeholders(ids)})""", ids).fetchone()[0]
    return CommitteePage(municipality, committee, meetings, count, by_meeting, members,
                         None if rate is None else float(rate))


def member_page(cur, member_id: str, limit: int = 50, offset: int = 0) -> MemberPage | None:
    """A member across meetings: committees, meetings attended and missed, votes where they or their party are named."""
    row = cur.execute("SELECT member_id, name, spellings FROM members WHERE member_id = ?", [member_id]).fetchone()
    if row is None:
        return None
    _, name, spellings = row
    party = party_of(list(spellings))
    committees_rows = cur.execute(
        """SELECT m.municipality, m.committee, count(DISTINCT m.meeting_id) FROM meeting_members mm
           JOIN meetings m USING (meeting_id) WHERE mm.member_id = ? GROUP BY ALL ORDER BY 3 DESC, 2""",
        [member_id]).fetchall()
    # a meeting counts as missed when the member was absent from every item of it, attended otherwise
    per_meeting = cur.execute(
        """SELECT meeting_id, bool_or(status = 'present') FROM attendance WHERE member_id = ? GROUP BY 1""",
        [member_id]).fetchall()
    missed_ids = [mid for mid, present in per_meeting if not present]
    missed = _meetings(cur, cur.execute(
        f"""SELECT {_MEETING_COLUMNS} FROM meetings m WHERE m.meeting_id IN ({_placeholders(missed_ids)})
            ORDER BY m.meeting_date DESC NULLS LAST LIMIT 100""", missed_ids).fetchall())
    named = [s for s in spellings] + ([party] if party else [])
    vote_where = """(list_has_any(votes_for, ?::VARCHAR[]) OR list_has_any(votes_against, ?::VARCHAR[])
                     OR list_has_any(votes_abstain, ?::VARCHAR[]))"""
    voted = [r[0] for r in cur.execute(f"SELECT item_id FROM decisions WHERE {vote_where}", [named] * 3).fetchall()]
    votes = []
    if voted:
        for item in _items(cur, f"i.item_id IN ({_placeholders(voted)})", voted,
                           "m.meeting_date DESC NULLS LAST, i.position", limit, offset):
            side = ("against" if set(item.votes_against) & set(named) else
                    "abstain" if set(item.votes_abstain) & set(named) else "for")
            votes.append((side, item))
    return MemberPage(member_id, name, list(spellings), party, committees_rows, len(per_meeting) - len(missed_ids),
                      len(missed_ids), missed, votes, len(voted))


def new_items(cur, since: dt.datetime, item_ids: list[str], limit: int = 200) -> list[ItemRow]:
    """Those of `item_ids` whose documents were ingested at or after `since`, newest meeting first."""
    fresh = [r[0] for r in cur.execute(
        f"""SELECT i.item_id FROM agenda_items i JOIN documents doc ON doc.doc_id = i.doc_id
            WHERE doc.ingested_at >= ? AND i.item_id IN ({_placeholders(item_ids)})""", [since] + item_ids).fetchall()]
    if not fresh:
        return []
    return _items(cur, f"i.item_id IN ({_placeholders(fresh)})", fresh, "m.meeting_date DESC NULLS LAST, i.position",
                  limit)


def items_by_id(cur, item_ids: list[str]) -> list[ItemRow]:
    """Full rows for item ids (search hits), in the order given."""
    if not item_ids:
        return []
    rows = {r.item_id: r for r in _items(cur, f"i.item_id IN ({_placeholders(item_ids)})", item_ids)}
    return [rows[i] for i in item_ids if i in rows]


NO_PDF = ("", "")  # pdf_source of a known document without any PDF


def pdf_source(cur, doc_id: str) -> tuple[str, str] | None:
    """(source_path, file name) of the PDF to show for a document: the document itself when it came as a PDF;
    for portal data, the meeting's best live PDF version -- the file its items' page numbers were taken from
    (pipeline.warehouse.load._borrow_item_pages); NO_PDF when there is none; None for an unknown document."""
    row = cur.execute("SELECT source_path, source_file, coalesce(channel, 'pdf') FROM documents WHERE doc_id = ?",
                      [doc_id]).fetchone()
    if row is None:
        return None
    if row[2] == "pdf":
        return row[0], row[1]
    return cur.execute("""SELECT v.source_path, v.source_file FROM document_versions v
                          JOIN document_versions this ON this.meeting_id = v.meeting_id AND this.doc_id = ?
                          WHERE v.channel = 'pdf' AND v.status <> 'superseded' AND NOT v.supplement
                          ORDER BY CASE v.document_type WHEN 'referat' THEN 2 WHEN 'dagsorden' THEN 1 ELSE 0 END DESC,
                                   v.first_seen DESC, v.doc_id DESC
                          LIMIT 1""", [doc_id]).fetchone() or NO_PDF
