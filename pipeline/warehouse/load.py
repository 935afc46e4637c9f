"""Loading one parsed document: one transaction, replacing whatever the same file or meeting had."""
from __future__ import annotations

import hashlib
from datetime import datetime, timezone

import duckdb
from rapidfuzz import fuzz, process

from pipeline.model import Item, Meeting, ParsedDocument

_CHILD_TABLES_BY_ITEM = ("item_sections", "decisions", "decision_notes", "attachments")


def stable_id(*parts: object) -> str:
    """Deterministic id from key fields (re-running is an upsert, never a duplicate)."""
    return hashlib.sha1("\x1f".join("" if p is None else str(p) for p in parts).encode("utf-8")).hexdigest()[:20]


def meeting_id(meeting: Meeting, doc_id: str) -> str:
    if meeting.meeting_date and meeting.committee:
        return stable_id(meeting.municipality, meeting.committee, meeting.meeting_date, meeting.document_type)
    return stable_id("doc", doc_id)


def item_id(mid: str, item: Item) -> str:
    return stable_id(mid, item.number if item.number is not None else f"pos{item.position}")


def _delete_document(con: duckdb.DuckDBPyConnection, doc_id: str) -> None:
    meetings = [r[0] for r in con.execute("SELECT meeting_id FROM meetings WHERE doc_id = ?", [doc_id]).fetchall()]
    for mid in meetings:
        items = [r[0] for r in con.execute("SELECT item_id FROM agenda_items WHERE meeting_id = ?", [mid]).fetchall()]
        for table in _CHILD_TABLES_BY_ITEM:
            con.execute(f"DELETE FROM {table} WHERE item_id IN (SELECT unnest(?::VARCHAR[]))", [items])
        for table in ("attendance", "meeting_substitutes", "meeting_members", "meeting_absences", "agenda_items", "meetings"):
            con.execute(f"DELETE FROM {table} WHERE meeting_id = ?", [mid])
    con.execute("DELETE FROM parse_warnings WHERE doc_id = ?", [doc_id])
    con.execute("DELETE FROM documents WHERE doc_id = ?", [doc_id])


def documents_to_replace(con: duckdb.DuckDBPyConnection, source_path: str, doc_id: str, mid: str) -> list[str]:
    """Older documents this one supersedes: same path with other bytes, or the same meeting re-published."""
    rows = con.execute(
        "SELECT doc_id FROM documents WHERE (source_path = ? AND doc_id <> ?) "
        "UNION SELECT doc_id FROM meetings WHERE meeting_id = ? AND doc_id <> ?",
        [source_path, doc_id, mid, doc_id]).fetchall()
    return [r[0] for r in rows]


def member_ids(con: duckdb.DuckDBPyConnection, names: list[str]) -> dict[str, str]:
    """Match names to the members table with rapidfuzz, adding new members and new spellings."""
    known = con.execute("SELECT member_id, name, spellings FROM members").fetchall()
    spelling_to_id = {s: mid for mid, _, spellings in known for s in spellings}
    result = {}
    for name in names:
        if name in spelling_to_id:
            result[name] = spelling_to_id[name]
            continue
        best = process.extractOne(name, list(spelling_to_id), scorer=fuzz.token_sort_ratio) if spelling_to_id else None
        if best and best[1] >= 90:
            mid = spelling_to_id[best[0]]
            con.execute("UPDATE members SET spellings = list_append(spellings, ?) WHERE member_id = ?", [name, mid])
        else:
            mid = stable_id("member", name.lower())
            con.execute("INSERT INTO members VALUES (?, ?, ?) ON CONFLICT DO NOTHING", [mid, name, [name]])
        spelling_to_id[name] = mid
        result[name] = mid
    return result


def _ocr_columns(doc) -> list:
    """OCR provenance for the document row: OCR'd pages, their mean word confidence, the document's mean."""
    pages = [page for page in doc.pages if page.ocr]
    if not pages:
        return [None, None, None]
    known = [page.ocr_confidence for page in pages if page.ocr_confidence is not None]
    return [[page.number for page in pages], [page.ocr_confidence for page in pages],
            round(sum(known) / len(known), 2) if known else None]


def insert_rows(con: duckdb.DuckDBPyConnection, table: str, rows: list[list], on_conflict: str = "") -> None:
    """Insert many rows with few statements: DuckDB's executemany pays a large per-row cost."""
    if not rows:
        return
    width = len(rows[0])
    group = "(" + ", ".join("?" * width) + ")"
    per_statement = max(1, 2000 // width)
    for start in range(0, len(rows), per_statement):
        chunk = rows[start:start + per_statement]
        con.execute(f"INSERT INTO {table} VALUES {', '.join([group] * len(chunk))} {on_conflict}",
                    [value for row in chunk for value in row])


def load_document(con: duckdb.DuckDBPyConnection, parsed: ParsedDocument, source_path: str, size_bytes: int) -> str:
    """Write one document's rows in one transaction; returns its meeting id."""
    doc, meeting = parsed.extracted, parsed.meeting
    doc_id = doc.sha256
    mid = meeting_id(meeting, doc_id)
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    con.execute("BEGIN TRANSACTION")
    try:
        for old in documents_to_replace(con, source_path, doc_id, mid):
            old_path = con.execute("SELECT source_path FROM documents WHERE doc_id = ?", [old]).fetchone()[0]
            con.execute("INSERT OR REPLACE INTO superseded_documents VALUES (?, ?, ?, ?)", [old, old_path, doc_id, now])
            _delete_document(con, old)
        _delete_document(con, doc_id)
        con.execute("DELETE FROM superseded_documents WHERE doc_id = ?", [doc_id])
        con.execute("DELETE FROM ingest_errors WHERE source_path = ?", [source_path])
        status = "parsed_with_warnings" if meeting.warnings else "parsed"
        insert_rows(con, "documents", [[doc_id, doc.source_file, source_path, size_bytes, len(doc.pages),
                                        doc.pages_without_text, doc.engine, status, now, *_ocr_columns(doc)]])
        insert_rows(con, "meetings", [[mid, doc_id, doc.source_file, meeting.municipality, meeting.committee,
                                       meeting.document_type, meeting.meeting_date, meeting.start_time,
                                       meeting.end_time, meeting.location]])
        people = meeting.members + [a.name for a in meeting.absent] + [s.name for s in meeting.substitutes]
        ids = member_ids(con, list(dict.fromkeys(people)))
        insert_rows(con, "meeting_members", [[mid, k, name, ids.get(name)] for k, name in enumerate(meeting.members)])
        insert_rows(con, "meeting_absences", [[mid, k, a.name, a.note] for k, a in enumerate(meeting.absent)])
        insert_rows(con, "meeting_substitutes", [[mid, s.name, s.substitute_for] for s in meeting.substitutes],
                    "ON CONFLICT DO NOTHING")
        rows = _item_rows(mid, doc_id, doc.source_file, meeting, ids)
        for table, table_rows in rows.items():
            insert_rows(con, table, table_rows, "ON CONFLICT DO NOTHING")
        insert_rows(con, "parse_warnings", [[doc_id, doc.source_file, k, w.code, w.message, w.item_number, w.page]
                                            for k, w in enumerate(meeting.warnings)])
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return mid


def _item_rows(mid: str, doc_id: str, source_file: str, meeting: Meeting, ids: dict) -> dict[str, list[list]]:
    """Rows of every item-level table, in insertion order (parents first)."""
    rows: dict[str, list[list]] = {t: [] for t in ("agenda_items", "item_sections", "decisions", "decision_notes",
                                                   "attachments", "attendance")}
    for item in meeting.items:
        iid = item_id(mid, item)
        case = item.case_number
        rows["agenda_items"].append(
            [iid, mid, doc_id, source_file, item.position, item.number, item.title, item.closed, item.first_page,
             item.last_page, item.recommendation,
             case.printed if case else None, case.scheme if case else None,
             case.main_group if case else None, case.group if case else None, case.subject if case else None,
             case.facet if case else None, case.serial if case else None, case.year if case else None])
        rows["item_sections"] += [[iid, s.position, s.heading, s.kind, s.text, s.first_page, s.last_page]
                                  for s in item.sections]
        decision = item.decision
        if decision is not None:
            votes = decision.votes
            rows["decisions"].append([iid, decision.text, decision.outcome,
                                      votes.for_ if votes else None, votes.against if votes else None,
                                      votes.abstain if votes else None,
                                      decision.deviates_from_recommendation, decision.heading, decision.page])
            rows["decision_notes"] += [[iid, k, n.kind, n.text] for k, n in enumerate(decision.notes)]
        else:
            rows["decisions"].append([iid, None, "none", None, None, None, False, None, None])
        rows["attachments"] += [[iid, k, title] for k, title in enumerate(item.attachments)]
        people = list(dict.fromkeys(meeting.members + [s.name for s in meeting.substitutes]
                                    + [n for n in item.absent if n not in meeting.members]))
        rows["attendance"] += [[mid, iid, name, ids.get(name), "absent" if name in item.absent else "present"]
                               for name in people]
    return rows
