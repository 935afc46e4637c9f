"""Logical foreign keys of the warehouse, checked by query (DuckDB cannot enforce them across a replace)."""
from __future__ import annotations

import duckdb

FOREIGN_KEYS = [
    ("meetings", "doc_id", "documents", "doc_id"),
    ("agenda_items", "meeting_id", "meetings", "meeting_id"),
    ("agenda_items", "doc_id", "documents", "doc_id"),
    ("item_sections", "item_id", "agenda_items", "item_id"),
    ("decisions", "item_id", "agenda_items", "item_id"),
    ("decision_notes", "item_id", "agenda_items", "item_id"),
    ("attachments", "item_id", "agenda_items", "item_id"),
    ("meeting_members", "meeting_id", "meetings", "meeting_id"),
    ("meeting_absences", "meeting_id", "meetings", "meeting_id"),
    ("meeting_substitutes", "meeting_id", "meetings", "meeting_id"),
    ("attendance", "item_id", "agenda_items", "item_id"),
    ("attendance", "meeting_id", "meetings", "meeting_id"),
    ("parse_warnings", "doc_id", "documents", "doc_id"),
]


def orphan_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """'child.column -> parent' -> number of child rows whose key has no parent row."""
    counts = {}
    for child, column, parent, key in FOREIGN_KEYS:
        sql = (f"SELECT count(*) FROM {child} c WHERE c.{column} IS NOT NULL AND NOT EXISTS "
               f"(SELECT 1 FROM {parent} p WHERE p.{key} = c.{column})")
        counts[f"{child}.{column} -> {parent}"] = con.execute(sql).fetchone()[0]
    return counts
