"""Exports: one gold-format JSON per source document, or whole tables as CSV/Parquet."""
from __future__ import annotations

import json
from pathlib import Path

import duckdb

from pipeline.classify import DocClass

MINUTES_CLASSES = [c.value for c in DocClass if c.is_minutes]  # non-minutes documents have no meeting to export
EXPORT_TABLES = ("documents", "meetings", "agenda_items", "item_sections", "decisions", "decision_notes",
                 "attachments", "members", "meeting_members", "meeting_absences", "meeting_substitutes", "attendance",
                 "parse_warnings", "ingest_errors", "document_versions", "version_contents", "meeting_events",
                 "document_pages", "document_links")


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list) -> list[dict]:
    cursor = con.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def document_as_gold(con: duckdb.DuckDBPyConnection, doc_id: str) -> dict | None:
    """One document in the shape of ../shared/eval/GOLD_FORMAT.md (plus a few extra keys).

    The current version of a meeting comes from the warehouse tables; another version of it (an agenda
    beside the minutes, a PDF beside portal data) from its stored parse; a non-minutes document is None.
    """
    found = _rows(con, "SELECT * FROM meetings WHERE doc_id = ?", [doc_id])
    if not found:
        return version_as_gold(con, doc_id)
    meeting = found[0]
    mid = meeting["meeting_id"]
    members = [r[0] for r in con.execute(
        "SELECT name FROM meeting_members WHERE meeting_id = ? ORDER BY position", [mid]).fetchall()]
    absent = [{"name": n, "note": note} for n, note in con.execute(
        "SELECT name, note FROM meeting_absences WHERE meeting_id = ? ORDER BY position", [mid]).fetchall()]
    items = []
    for row in _rows(con, """
            SELECT i.*, d.text AS decision, d.outcome, d.votes_for, d.votes_against, d.votes_abstain,
                   d.deviates_from_recommendation
            FROM agenda_items i LEFT JOIN decisions d USING (item_id)
            WHERE i.meeting_id = ? ORDER BY i.position""", [mid]):
        iid = row["item_id"]
        votes = None
        if row["votes_for"] is not None or row["votes_against"] is not None or row["votes_abstain"] is not None:
            votes = {"for": row["votes_for"] or [], "against": row["votes_against"] or [],
                     "abstain": row["votes_abstain"] or []}
        items.append({
            "number": row["number"], "title": row["title"], "case_number": row["case_number"],
            "closed": row["closed"], "first_page": row["first_page"], "last_page": row["last_page"],
            "recommendation": row["recommendation"], "decision": row["decision"],
            "decision_outcome": row["outcome"] or "none", "votes": votes,
            "absent": [r[0] for r in con.execute(
                "SELECT name FROM attendance WHERE item_id = ? AND status = 'absent' ORDER BY name", [iid]).fetchall()],
            "attachments": [r[0] for r in con.execute(
                "SELECT title FROM attachments WHERE item_id = ? ORDER BY position", [iid]).fetchall()],
            "deviates_from_recommendation": row["deviates_from_recommendation"],
            "item_id": iid,
        })
    return {
        "source_file": meeting["source_file"], "municipality": meeting["municipality"],
        "committee": meeting["committee"], "document_type": meeting["document_type"],
        "meeting_date": meeting["meeting_date"].isoformat() if meeting["meeting_date"] else None,
        "start_time": meeting["start_time"], "end_time": meeting["end_time"], "location": meeting["location"],
        "members": members, "absent": absent, "items": items, "meeting_id": mid, "doc_id": doc_id,
    }


def version_as_gold(con: duckdb.DuckDBPyConnection, doc_id: str) -> dict | None:
    """A version that is not its meeting's current one, from the parse stored with it."""
    from pipeline.warehouse.versions import stored_meetings

    row = con.execute("SELECT meeting_id FROM document_versions WHERE doc_id = ?", [doc_id]).fetchone()
    meeting = stored_meetings(con, [doc_id]).get(doc_id) if row else None
    if meeting is None:
        return None
    gold = meeting.as_gold()
    for item, parsed in zip(gold["items"], meeting.items):
        item["deviates_from_recommendation"] = parsed.decision.deviates_from_recommendation if parsed.decision else None
        item["item_id"] = None
    gold.update(meeting_id=row[0], doc_id=doc_id)
    return gold


def export_json(con: duckdb.DuckDBPyConnection, out_dir: Path) -> int:
    """Write <stem>.json per ingested minutes/agenda document; returns how many were written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    # PDFs first: when a portal's data has the PDF's stem, the PDF keeps <stem>.json, the other gets <stem>.<channel>.json
    docs = con.execute("SELECT doc_id, source_file, coalesce(channel, 'pdf') FROM documents "
                       "WHERE coalesce(doc_class, 'referat') IN (SELECT unnest(?::VARCHAR[])) "
                       "ORDER BY coalesce(channel, 'pdf') <> 'pdf', source_file", [MINUTES_CLASSES]).fetchall()
    written: set[str] = set()
    for doc_id, source_file, channel in docs:
        gold = document_as_gold(con, doc_id)
        if gold is None:
            continue
        name = Path(source_file).stem + ".json"
        if name in written:
            name = f"{Path(source_file).stem}.{channel}.json"
        (out_dir / name).write_text(json.dumps(gold, ensure_ascii=False, indent=2), encoding="utf-8")
        written.add(name)
    return len(written)


def export_tables(con: duckdb.DuckDBPyConnection, out_dir: Path, fmt: str) -> int:
    """Every warehouse table as <table>.csv or <table>.parquet."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for table in EXPORT_TABLES:
        target = out_dir / f"{table}.{fmt}"
        option = "(FORMAT PARQUET)" if fmt == "parquet" else "(HEADER, DELIMITER ',')"
        con.execute(f"COPY (SELECT * FROM {table}) TO '{target.as_posix()}' {option}")
    return len(EXPORT_TABLES)
