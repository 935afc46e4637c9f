"""Loading one parsed document: one transaction; the document becomes a version of its meeting.

Minutes and agendas are resolved to their meeting (pipeline.warehouse.versions: identity, precedence,
events); documents that are not minutes are stored with their text and linked to the items that list them
(pipeline.warehouse.documents). A changed file at the same path replaces the old file, recorded as such.
"""
from __future__ import annotations

import dataclasses
import json
import weakref

import duckdb
from rapidfuzz import fuzz, process

from pipeline.classify import DocumentFacts, classify_document
from pipeline.model import Item, Meeting, ParsedDocument
from pipeline.warehouse import versions
from pipeline.warehouse.bulk import insert_new_rows, insert_rows, optimizer_off, restore_optimizer
from pipeline.warehouse.documents import LINKABLE_TITLES, link_document, link_meeting, store_pages
from pipeline.warehouse.lookups import Lookup, run_lookups
from pipeline.warehouse.versions import stable_id

_CHILD_TABLES_BY_ITEM = ("item_sections", "decisions", "decision_notes", "attachments", "document_links")
FILE_WARNINGS = ("no_text_layer",)
_MEETING_TABLES = ("attendance", "meeting_substitutes", "meeting_members", "meeting_absences", "agenda_items", "meetings")


def item_id(mid: str, item: Item) -> str:
    return stable_id(mid, versions.item_key(item))


def _delete_meeting_rows(con: duckdb.DuckDBPyConnection, mid: str) -> None:
    """Every row a meeting's current content wrote (the versions and events stay)."""
    items = [r[0] for r in con.execute("SELECT item_id FROM agenda_items WHERE meeting_id = ?", [mid]).fetchall()]
    for table in _CHILD_TABLES_BY_ITEM:
        con.execute(f"DELETE FROM {table} WHERE item_id IN (SELECT unnest(?::VARCHAR[]))", [items])
    for table in _MEETING_TABLES:
        con.execute(f"DELETE FROM {table} WHERE meeting_id = ?", [mid])


def _delete_document_rows(con: duckdb.DuckDBPyConnection, doc_id: str) -> None:
    """The document's own rows (its meeting is settled separately)."""
    for table in ("parse_warnings", "document_pages", "document_links", "documents"):
        con.execute(f"DELETE FROM {table} WHERE doc_id = ?", [doc_id])


def retire_document(con: duckdb.DuckDBPyConnection, old: str, by: str, kind: str, summary: str,
                    changes: dict | None = None) -> str | None:
    """Replace an older file by a newer one: remembered in superseded_documents (ingest skips its bytes),
    its version row kept as 'superseded', an event written. Returns its meeting id (to be settled)."""
    row = con.execute("SELECT source_path FROM documents WHERE doc_id = ?", [old]).fetchone()
    version = con.execute("SELECT meeting_id, source_path FROM document_versions WHERE doc_id = ?", [old]).fetchone()
    path = row[0] if row else version[1] if version else ""
    con.execute("INSERT OR REPLACE INTO superseded_documents VALUES (?, ?, ?, ?)", [old, path, by, versions.now_utc()])
    con.execute("UPDATE document_versions SET status = 'superseded', superseded_by = ? WHERE doc_id = ?", [by, old])
    _delete_document_rows(con, old)
    mid = version[0] if version else None
    versions.record_event(con, kind, mid, by, old, summary, changes)
    return mid


def load_document(con: duckdb.DuckDBPyConnection, parsed: ParsedDocument, source_path: str, size_bytes: int) -> str:
    """Write one document in one transaction; returns its meeting id (the document id for a non-minutes document)."""
    doc = parsed.extracted
    doc_id = doc.sha256
    facts = classify_document(parsed)
    con.execute("BEGIN TRANSACTION")
    committed = False
    try:
        own, to_settle = _store(con, parsed, facts, source_path, size_bytes)
        for mid in dict.fromkeys(m for m in to_settle if m):
            settled = settle_meeting(con, mid, doc_id, parsed.meeting)
            if mid == own:  # only settling its own meeting moves the document's version (see _rekey)
                own = settled
        con.execute("COMMIT")
        committed = True
    except Exception:
        con.execute("ROLLBACK")
        raise
    finally:
        if not committed:
            forget_members(con)  # it may hold members this load wrote
            restore_optimizer(con)  # an error in an optimizer_off block may have left it off
    return own or doc_id


def _store(con: duckdb.DuckDBPyConnection, parsed: ParsedDocument, facts: DocumentFacts, source_path: str,
           size_bytes: int) -> tuple[str | None, list[str | None]]:
    """Insert the document's own rows; returns the meeting of its version (None: not minutes) and the meetings
    whose versions changed."""
    doc, meeting = parsed.extracted, parsed.meeting
    doc_id = doc.sha256
    now = versions.now_utc()
    key = _meeting_key(meeting, facts) if facts.doc_class.is_minutes else None
    previous, same_path, identity = _clear_document(con, doc_id, source_path,
                                                    versions.identity_lookups(key) if key else [])
    to_settle = [previous]
    # a non-minutes document keeps only warnings about the file (a meeting parse's warnings do not apply to it)
    warnings = [w for w in meeting.warnings if facts.doc_class.is_minutes or w.code in FILE_WARNINGS]
    status = "parsed_with_warnings" if warnings else "parsed"
    con.execute("INSERT INTO documents (doc_id, source_file, source_path, size_bytes, pages, pages_without_text, "
                "engine, status, ingested_at, doc_class, channel, title, ocr_pages, ocr_page_confidence, "
                "ocr_mean_confidence) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [doc_id, doc.source_file, source_path, size_bytes, len(doc.pages), doc.pages_without_text,
                 doc.engine, status, now, facts.doc_class.value, parsed.source_kind, facts.title, *_ocr_columns(doc)])
    insert_rows(con, "parse_warnings", [[doc_id, doc.source_file, k, w.code, w.message, w.item_number, w.page]
                                        for k, w in enumerate(warnings)])
    mid = None
    if facts.doc_class.is_minutes:
        meeting.document_type = facts.doc_class.value  # the classifier knows supplementary agendas
        mid = versions.resolve_meeting(con, key, doc_id, identity)
        con.execute("INSERT INTO document_versions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'source', NULL, NULL)",
                    [doc_id, mid, parsed.source_kind, meeting.document_type, facts.supplement, facts.marker,
                     source_path, doc.source_file, now])
        versions.store_content(con, doc_id, meeting)
        to_settle.append(mid)
    else:
        store_pages(con, doc_id, doc)
        links = link_document(con, doc_id, facts.title)
        versions.record_event(con, "not_minutes", None, doc_id, None,
                              f"stored as {facts.doc_class.value} '{facts.title or doc.source_file}', no meeting; "
                              f"linked to {links} agenda item(s)")
    for old in same_path:
        to_settle.append(_replace_at_path(con, old, doc_id, meeting, mid))
    return mid, to_settle


def _meeting_key(meeting: Meeting, facts: DocumentFacts) -> versions.MeetingKey:
    """What decides which meeting a minutes document describes."""
    return versions.MeetingKey(meeting.municipality, meeting.committee, meeting.meeting_date, meeting.start_time,
                               {facts.marker} if facts.marker else set(), [i.title for i in meeting.items],
                               facts.supplement)


# what a document may have left from an earlier load (deleted in this order), by the column naming it: each of
# these tables has that column as its primary key, so asking costs an index lookup however large the warehouse
_TRACES = (("documents", "doc_id"), ("document_versions", "doc_id"), ("superseded_documents", "doc_id"),
           ("ingest_errors", "source_path"))
# rows that exist only beside the document's `documents` row (integrity.FOREIGN_KEYS): deleted with it, never
# asked about -- their keys are not indexed, so asking would scan them, a cost that grows with the warehouse
_DOCUMENT_ROWS = ("parse_warnings", "document_pages", "document_links")


def _clear_document(con: duckdb.DuckDBPyConnection, doc_id: str, source_path: str,
                    also: list[Lookup]) -> tuple[str | None, list[str], dict[str, list[tuple]] | None]:
    """Delete what an earlier load of these bytes (or a failure at this path) left; returns the meeting of its
    version, the other documents stored at this path, and the answers to the lookups `also` -- None when
    something was deleted, which may have changed them. One probe statement asks all of it, so a new document
    (the common case) costs one statement instead of several (~1 ms each) and no separate lookups."""
    found = run_lookups(con, [*_trace_lookups(doc_id, source_path), *also])
    present = {table: found[table] for table, _ in _TRACES if found[table]}
    if "documents" in present:
        for table in _DOCUMENT_ROWS:
            con.execute(f"DELETE FROM {table} WHERE doc_id = ?", [doc_id])
    for table, column in _TRACES:
        if table in present:
            con.execute(f"DELETE FROM {table} WHERE {column} = ?", [doc_id if column == "doc_id" else source_path])
    if "document_versions" in present:  # its parse goes with it (kept apart, without an index to probe)
        con.execute("DELETE FROM version_contents WHERE doc_id = ?", [doc_id])
    previous = present["document_versions"][0][0] if "document_versions" in present else None
    return previous, [row[0] for row in found["same_path"]], None if present else found


def _trace_lookups(doc_id: str, source_path: str) -> list[Lookup]:
    """Whether each table of _TRACES holds a row of the document (the version's meeting id for its version),
    and the other documents at the path."""
    traces = [Lookup(table, f"SELECT {'meeting_id' if table == 'document_versions' else 'NULL'} FROM {table} "
                            f"WHERE {column} = ? LIMIT 1", (doc_id if column == "doc_id" else source_path,))
              for table, column in _TRACES]
    return traces + [Lookup("same_path", "SELECT doc_id FROM documents WHERE source_path = ? AND doc_id <> ?",
                            (source_path, doc_id))]


def _replace_at_path(con: duckdb.DuckDBPyConnection, old: str, new: str, meeting: Meeting, mid: str | None) -> str | None:
    old_version = con.execute("SELECT meeting_id FROM document_versions WHERE doc_id = ? AND status <> "
                              "'superseded'", [old]).fetchone()
    old_meeting = versions.stored_meetings(con, [old]).get(old) if old_version and old_version[0] == mid else None
    changes = versions.describe_changes(old_meeting, meeting) if old_meeting else {}
    if old_version and old_version[0] == mid:
        summary = "a new version at the same path: " + versions.summarize(changes)
        con.execute("UPDATE document_versions SET changes = ? WHERE doc_id = ?", [json.dumps(changes), new])
    else:
        summary = "another document arrived at the same path"
    return retire_document(con, old, new, "replaced_at_path", summary, changes)


def _rank(row) -> tuple:
    """Precedence of a live version for being current (see pipeline.warehouse.versions)."""
    doc_id, channel, document_type, supplement, first_seen = row[:5]
    return (not supplement, versions.TYPE_RANK.get(document_type, 0), versions.CHANNEL_RANK.get(channel, 0),
            first_seen, doc_id)


def settle_meeting(con: duckdb.DuckDBPyConnection, mid: str, new_doc: str, new_meeting: Meeting | None = None) -> str:
    """Decide the meeting's current version after its versions changed, and rewrite its rows from it. Returns the
    meeting's id afterwards: another when its merged key fields rename it (_rekey), its versions following.

    `new_meeting` is the parse of `new_doc` when it is at hand (saves reading it back from its JSON)."""
    live, has_rows, linkable = _meeting_state(con, mid, new_doc, new_meeting)
    live = _supersede_older(con, mid, live, new_doc)
    previous = next((r for r in live if r[5] == "current"), None)
    if not live:
        if has_rows:
            versions.record_event(con, "meeting_removed", mid, new_doc, None, "no file describes this meeting any more")
        _delete_meeting_rows(con, mid)
        return mid
    live.sort(key=_rank, reverse=True)
    current = live[0]
    contents = {r[0]: r[6] for r in live}
    for row in live:
        status = "current" if row is current else "source"
        if row[5] != status:
            con.execute("UPDATE document_versions SET status = ? WHERE doc_id = ?", [status, row[0]])
    if previous and previous[0] != current[0]:
        changes = versions.describe_changes(contents[previous[0]], contents[current[0]])
        kind = ("agenda_to_minutes" if previous[2] == "dagsorden" and current[2] == "referat"
                else "channel_preferred" if previous[1] != current[1] else "current_changed")
        con.execute("UPDATE document_versions SET changes = ? WHERE doc_id = ?", [json.dumps(changes), current[0]])
        versions.record_event(con, kind, mid, current[0], previous[0], versions.summarize(changes), changes)
    elif previous and new_doc in contents and new_doc != current[0]:
        changes = versions.describe_changes(contents[current[0]], contents[new_doc])
        con.execute("UPDATE document_versions SET changes = ? WHERE doc_id = ?", [json.dumps(changes), new_doc])
        versions.record_event(con, "source_added", mid, new_doc, None,
                              f"kept as a source beside the current version: {versions.summarize(changes)}", changes)
    merged = _merged_meeting(live, contents)
    target = _rekey(con, mid, merged, sorted({row[8] for row in live if row[8] is not None}))
    if target != mid:  # renamed: whether rows are stored under the new id is another question
        has_rows = con.execute("SELECT 1 FROM meetings WHERE meeting_id = ?", [target]).fetchone() is not None
    if has_rows:
        _delete_meeting_rows(con, target)  # a new meeting has no rows to delete (the common case)
    _write_meeting(con, target, current[0], merged, live, contents)
    link_meeting(con, target, linkable)
    return target


def _meeting_state(con: duckdb.DuckDBPyConnection, mid: str, new_doc: str,
                   new_meeting: Meeting | None) -> tuple[list[tuple], bool, list[tuple]]:
    """What settling the meeting starts from: its live versions (each with its parsed meeting), whether it has
    rows, and the documents its attachments may name (LINKABLE_TITLES) -- one statement, and a second one for
    the stored parses when the meeting has other versions.

    The answers hold while it is settled: retiring older versions deletes only minutes documents, which are
    not linkable, and writes no meeting rows; only a renamed meeting (_rekey) has to be asked about again."""
    answers = run_lookups(con, [
        Lookup("live", """SELECT doc_id, channel, document_type, supplement, first_seen, status, source_file, marker
                          FROM document_versions WHERE meeting_id = ? AND status <> 'superseded'""", (mid,), 8),
        Lookup("has_rows", "SELECT NULL FROM meetings WHERE meeting_id = ? LIMIT 1", (mid,)),
        LINKABLE_TITLES])
    known = {new_doc: new_meeting} if new_meeting is not None else {}
    # the parses of the other versions are read only when there are others (a new meeting has none)
    known.update(versions.stored_meetings(con, [r[0] for r in answers["live"] if r[0] not in known]))
    missing = [r[0] for r in answers["live"] if r[0] not in known]
    if missing:  # written with its version row in one transaction: gone only from a damaged warehouse
        raise LookupError(f"version {missing[0]} of meeting {mid} has no stored parse in version_contents "
                          "(`minutes check` lists such versions)")
    live = [r[:6] + (known[r[0]],) + r[6:] for r in answers["live"]]  # the parse goes in at 6 (see settle_meeting)
    return live, bool(answers["has_rows"]), answers[LINKABLE_TITLES.tag]


def _supersede_older(con: duckdb.DuckDBPyConnection, mid: str, live: list, new_doc: str) -> list:
    """Of several live versions from one channel and of one type, only the newest stays (supplements apart)."""
    newest: dict[tuple, tuple] = {}
    for row in sorted(live, key=lambda r: (r[4], r[0] == new_doc)):
        if row[3]:
            continue
        newest[(row[1], row[2])] = row
    kept = []
    for row in live:
        winner = newest.get((row[1], row[2]))
        if winner is None or winner[0] == row[0] or row[3]:
            kept.append(row)
            continue
        changes = versions.describe_changes(row[6], winner[6])
        con.execute("UPDATE document_versions SET changes = ? WHERE doc_id = ?", [json.dumps(changes), winner[0]])
        retire_document(con, row[0], winner[0], "new_version", versions.summarize(changes), changes)
    return kept


def _merged_meeting(live: list, contents: dict[str, Meeting]) -> Meeting:
    """The current version, its empty meeting fields filled from the other versions (in precedence order),
    and a supplementary agenda's items appended to an agenda."""
    current = contents[live[0][0]]
    merged = dataclasses.replace(current, items=list(current.items))
    pdf_version = next((row for row in live[1:] if row[1] == "pdf" and not row[3]), None)
    if live[0][1] != "pdf" and pdf_version is not None:
        _borrow_item_pages(merged, contents[pdf_version[0]])
    for row in live[1:]:
        other = contents[row[0]]
        for name in versions.MERGED_FIELDS:
            if getattr(merged, name) is None and getattr(other, name) is not None:
                setattr(merged, name, getattr(other, name))
        if row[3] and current.document_type == "dagsorden":
            numbers = {i.number for i in merged.items}
            for item in other.items:
                if item.number not in numbers:
                    item.position = len(merged.items)
                    merged.items.append(item)
    return merged


PAGE_TITLE_MATCH = 90  # rapidfuzz token_sort_ratio of two versions' titles of one item number


def _borrow_item_pages(merged: Meeting, pdf: Meeting) -> None:
    """Items without pages (portal JSON has none) take their first/last page from the same item (same number,
    similar title) of the meeting's best PDF version -- the file `/pdf/<doc_id>` serves for them."""
    by_number = {item.number: item for item in pdf.items if item.number is not None and item.first_page is not None}
    for position, item in enumerate(merged.items):
        match = by_number.get(item.number)
        if item.first_page is None and match is not None \
                and fuzz.token_sort_ratio(item.title, match.title) >= PAGE_TITLE_MATCH:
            merged.items[position] = dataclasses.replace(item, first_page=match.first_page, last_page=match.last_page)


def _rekey(con: duckdb.DuckDBPyConnection, mid: str, merged: Meeting, markers: list[str]) -> str:
    """The meeting's id from its merged key fields, so the same sources give the same id in any order.
    `markers`: the sorted markers of the meeting's live versions."""
    if not (merged.committee and merged.meeting_date and merged.start_time):
        return mid  # only a more specific key (a start time learnt from another source) renames a meeting
    target = versions.key_id(merged.municipality, merged.committee, merged.meeting_date, merged.start_time,
                             markers[0] if markers else None)
    if target == mid or con.execute("SELECT 1 FROM document_versions WHERE meeting_id = ? LIMIT 1", [target]).fetchone():
        return mid
    _delete_meeting_rows(con, mid)
    con.execute("UPDATE document_versions SET meeting_id = ? WHERE meeting_id = ?", [target, mid])
    con.execute("UPDATE meeting_events SET meeting_id = ? WHERE meeting_id = ?", [target, mid])
    return target


def _write_meeting(con: duckdb.DuckDBPyConnection, mid: str, doc_id: str, meeting: Meeting, live: list,
                   contents: dict[str, Meeting]) -> None:
    """The meeting's rows from its merged content: meeting, people, items and everything under them.

    Called only for a meeting that has no rows (new, or its rows just deleted): every key below is derived from
    the meeting id, so the tables cannot hold it yet and only repeats within the meeting are left out."""
    source_file = next(row[7] for row in live if row[0] == doc_id)
    item_docs = {id(i): (row[0], row[7]) for row in live for i in contents[row[0]].items}
    people = meeting.members + [a.name for a in meeting.absent] + [s.name for s in meeting.substitutes]
    with optimizer_off(con):  # inserts only (and member_ids' update of a small table by key)
        insert_new_rows(con, "meetings", [[mid, doc_id, source_file, meeting.municipality, meeting.committee,
                                           meeting.document_type, meeting.meeting_date, meeting.start_time,
                                           meeting.end_time, meeting.location]])
        ids = member_ids(con, list(dict.fromkeys(people)))
        insert_new_rows(con, "meeting_members",
                        [[mid, k, name, ids.get(name)] for k, name in enumerate(meeting.members)])
        insert_new_rows(con, "meeting_absences", [[mid, k, a.name, a.note] for k, a in enumerate(meeting.absent)])
        insert_new_rows(con, "meeting_substitutes", [[mid, s.name, s.substitute_for] for s in meeting.substitutes])
        rows = _item_rows(mid, item_docs, (doc_id, source_file), meeting, ids)
        for table, table_rows in rows.items():
            insert_new_rows(con, table, table_rows)


class _MemberDirectory:
    """The members table as this connection sees it, read once and then kept in step with what member_ids
    writes, so a document's load does not read the whole table again (~0.3 ms a document, more as it grows).

    Only member_ids writes members, and an ingest's connection is the warehouse's only writer (DuckDB admits
    one writing process), so the copy stays exact while its loads commit; a load that fails drops it
    (`forget_members`), and the next load reads the table again. Rows are kept in the order a scan returns
    them, which decides ties of the fuzzy match: DuckDB appends a row whose list column is updated to the
    end of the table, so a member that gains a spelling moves to the end here too."""

    def __init__(self, rows: list[tuple]):
        self.rows: dict[str, tuple[str, list[str]]] = {mid: (name, list(spellings)) for mid, name, spellings in rows}

    def spelling_to_id(self) -> dict[str, str]:
        return {s: mid for mid, (_, spellings) in self.rows.items() for s in spellings}

    def add_spelling(self, mid: str, spelling: str) -> None:
        name, spellings = self.rows.pop(mid)
        self.rows[mid] = (name, spellings + [spelling])

    def add_members(self, rows: list[list]) -> None:
        for mid, name, spellings in rows:
            self.rows[mid] = (name, list(spellings))


_member_directories: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # connection -> _MemberDirectory


def _members(con: duckdb.DuckDBPyConnection) -> _MemberDirectory:
    directory = _member_directories.get(con)
    if directory is None:
        directory = _MemberDirectory(con.execute("SELECT member_id, name, spellings FROM members").fetchall())
        _member_directories[con] = directory
    return directory


def forget_members(con: duckdb.DuckDBPyConnection) -> None:
    """Drop the connection's copy of the members table (its writes may have been rolled back)."""
    _member_directories.pop(con, None)


def member_ids(con: duckdb.DuckDBPyConnection, names: list[str]) -> dict[str, str]:
    """Match names to the members table with rapidfuzz, adding new members and new spellings."""
    directory = _members(con)
    spelling_to_id = directory.spelling_to_id()
    stored = set(directory.rows)  # a new member's id may be stored already (another case of the name)
    result = {}
    new_members: dict[str, list] = {}  # inserted in one statement at the end (one per name costs ~2 ms)
    for name in names:
        if name in spelling_to_id:
            result[name] = spelling_to_id[name]
            continue
        best = process.extractOne(name, list(spelling_to_id), scorer=fuzz.token_sort_ratio) if spelling_to_id else None
        if best and best[1] >= 90:
            mid = spelling_to_id[best[0]]
            if mid in new_members:
                new_members[mid][2].append(name)
            else:
                con.execute("UPDATE members SET spellings = list_append(spellings, ?) WHERE member_id = ?", [name, mid])
                directory.add_spelling(mid, name)
        else:
            mid = stable_id("member", name.lower())
            new_members.setdefault(mid, [mid, name, [name]])
        spelling_to_id[name] = mid
        result[name] = mid
    rows = [row for mid, row in new_members.items() if mid not in stored]
    insert_rows(con, "members", rows)
    directory.add_members(rows)
    return result


def _ocr_columns(doc) -> list:
    """OCR provenance for the document row: OCR'd pages, their mean word confidence, the document's mean."""
    pages = [page for page in doc.pages if page.ocr]
    if not pages:
        return [None, None, None]
    known = [page.ocr_confidence for page in pages if page.ocr_confidence is not None]
    return [doc.ocr_pages, [page.ocr_confidence for page in pages],
            round(sum(known) / len(known), 2) if known else None]


def _item_rows(mid: str, item_docs: dict[int, tuple[str, str]], default_doc: tuple[str, str], meeting: Meeting,
               ids: dict) -> dict[str, list[list]]:
    """Rows of every item-level table, in insertion order (parents first); each item keeps the file it came from."""
    rows: dict[str, list[list]] = {t: [] for t in ("agenda_items", "item_sections", "decisions", "decision_notes",
                                                   "attachments", "attendance")}
    for item in meeting.items:
        iid = item_id(mid, item)
        doc_id, source_file = item_docs.get(id(item), default_doc)
        case = item.case_number
        rows["agenda_items"].append(
            [iid, mid, doc_id, source_file, item.position, item.number, item.title, item.closed, item.first_page,
             item.last_page, item.recommendation,
             case.printed if case else None, case.scheme if case else None,
             case.main_group if case else None, case.group if case else None, case.subject if case else None,
             case.facet if case else None, case.serial if case else None, case.year if case else None])
        rows["item_sections"] += [[iid, s.position, s.heading, s.kind, s.text, s.first_page, s.last_page, s.page_starts]
                                  for s in item.sections]
        decision = item.decision
        if decision is not None:
            votes = decision.votes
            rows["decisions"].append([iid, decision.text, decision.outcome,
                                      votes.for_ if votes else None, votes.against if votes else None,
                                      votes.abstain if votes else None,
                                      decision.deviates_from_recommendation, decision.heading, decision.page,
                                      (votes.parties or None) if votes else None,
                                      votes.for_count if votes else None, votes.against_count if votes else None,
                                      votes.abstain_count if votes else None])
            rows["decision_notes"] += [[iid, k, n.kind, n.text] for k, n in enumerate(decision.notes)]
        else:
            rows["decisions"].append([iid, None, "none", None, None, None, None, None, None, None, None, None, None])
        rows["attachments"] += [[iid, k, title] for k, title in enumerate(item.attachments)]
        people = list(dict.fromkeys(meeting.members + [s.name for s in meeting.substitutes]
                                    + [n for n in item.absent if n not in meeting.members]))
        rows["attendance"] += [[mid, iid, name, ids.get(name), "absent" if name in item.absent else "present"]
                               for name in people]
    return rows
