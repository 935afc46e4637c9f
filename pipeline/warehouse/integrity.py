"""Warehouse integrity: logical foreign keys, version bookkeeping and search-index completeness, by query
(DuckDB cannot enforce foreign keys across a replace)."""
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
    ("document_pages", "doc_id", "documents", "doc_id"),
    ("document_links", "doc_id", "documents", "doc_id"),
    ("document_links", "item_id", "agenda_items", "item_id"),
    ("version_contents", "doc_id", "document_versions", "doc_id"),
]

# name -> query counting rows that break a rule of document versions and classes
VERSION_RULES = {
    "live version without its document": """
        SELECT count(*) FROM document_versions v WHERE v.status <> 'superseded'
        AND NOT EXISTS (SELECT 1 FROM documents d WHERE d.doc_id = v.doc_id)""",
    "live version without its meeting": """
        SELECT count(*) FROM document_versions v WHERE v.status <> 'superseded'
        AND NOT EXISTS (SELECT 1 FROM meetings m WHERE m.meeting_id = v.meeting_id)""",
    "minutes document without a version row": """
        SELECT count(*) FROM documents d WHERE d.doc_class IN ('referat', 'dagsorden')
        AND NOT EXISTS (SELECT 1 FROM document_versions v WHERE v.doc_id = d.doc_id AND v.status <> 'superseded')""",
    "meeting whose document is not its current version": """
        SELECT count(*) FROM meetings m WHERE NOT EXISTS (SELECT 1 FROM document_versions v
        WHERE v.doc_id = m.doc_id AND v.meeting_id = m.meeting_id AND v.status = 'current')""",
    "meeting with more than one current version": """
        SELECT count(*) FROM (SELECT meeting_id FROM document_versions WHERE status = 'current'
        GROUP BY 1 HAVING count(*) > 1)""",
    "non-minutes document with a meeting": """
        SELECT count(*) FROM documents d WHERE d.doc_class NOT IN ('referat', 'dagsorden')
        AND (EXISTS (SELECT 1 FROM meetings m WHERE m.doc_id = d.doc_id)
             OR EXISTS (SELECT 1 FROM agenda_items i WHERE i.doc_id = d.doc_id))""",
    "version without its stored parse": """
        SELECT count(*) FROM document_versions v WHERE NOT EXISTS (SELECT 1 FROM version_contents c
        WHERE c.doc_id = v.doc_id)""",
    "version with more than one stored parse": """
        SELECT count(*) FROM (SELECT doc_id FROM version_contents GROUP BY 1 HAVING count(*) > 1)""",
    "superseded document still stored": """
        SELECT count(*) FROM superseded_documents s JOIN documents d USING (doc_id)""",
}


def orphan_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """'child.column -> parent' -> number of child rows whose key has no parent row."""
    counts = {}
    for child, column, parent, key in FOREIGN_KEYS:
        sql = (f"SELECT count(*) FROM {child} c WHERE c.{column} IS NOT NULL AND NOT EXISTS "
               f"(SELECT 1 FROM {parent} p WHERE p.{key} = c.{column})")
        counts[f"{child}.{column} -> {parent}"] = con.execute(sql).fetchone()[0]
    return counts


def version_problems(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Rule name -> rows breaking it (documents, versions, meetings and classes agree)."""
    return {name: con.execute(sql).fetchone()[0] for name, sql in VERSION_RULES.items()}


def _table_exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    return bool(con.execute("SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'main' AND table_name = ?",
                            [name]).fetchone()[0])


def item_index_problems(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """The item search index (pipeline.search.index) covers every loaded agenda item, and nothing else."""
    from pipeline.search.index import index_exists

    if not index_exists(con):
        return {"search index missing (items not searchable)": con.execute("SELECT count(*) FROM agenda_items").fetchone()[0]}
    return {
        "items missing from the search index": con.execute(
            "SELECT count(*) FROM agenda_items i WHERE NOT EXISTS (SELECT 1 FROM search_items s WHERE s.item_id = i.item_id)"
        ).fetchone()[0],
        "search index rows of items no longer loaded": con.execute(
            "SELECT count(*) FROM search_items s WHERE NOT EXISTS (SELECT 1 FROM agenda_items i WHERE i.item_id = s.item_id)"
        ).fetchone()[0],
        "items indexed from a replaced version": con.execute(
            "SELECT count(*) FROM search_items s JOIN agenda_items i USING (item_id) WHERE s.doc_id <> i.doc_id"
        ).fetchone()[0],
    }


def document_index_problems(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """`search_documents` covers every stored non-minutes document, and nothing else."""
    documents = con.execute("SELECT count(*) FROM documents WHERE doc_class NOT IN ('referat', 'dagsorden')").fetchone()[0]
    if not _table_exists(con, "search_documents"):
        return {"documents missing from the search index": documents}
    return {
        "documents missing from the search index": con.execute(
            "SELECT count(*) FROM documents d WHERE d.doc_class NOT IN ('referat', 'dagsorden') AND NOT EXISTS "
            "(SELECT 1 FROM search_documents s WHERE s.doc_id = d.doc_id)").fetchone()[0],
        "search index rows of documents no longer loaded": con.execute(
            "SELECT count(*) FROM search_documents s WHERE NOT EXISTS (SELECT 1 FROM documents d WHERE d.doc_id = s.doc_id)"
        ).fetchone()[0],
    }


def search_index_problems(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """The search index covers every loaded item and non-minutes document, and nothing else."""
    return {**item_index_problems(con), **document_index_problems(con)}


def check_warehouse(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Everything `minutes check` verifies: name -> number of offending rows (all 0 when healthy)."""
    counts = {f"orphan rows: {name}": n for name, n in orphan_counts(con).items()}
    counts.update(version_problems(con))
    counts.update(search_index_problems(con))
    return counts
