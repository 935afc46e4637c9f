"""Keep the search index whole: rebuilt after new documents, and whenever it is missing or incomplete.

A kill or a full disk during a build used to leave no index, and the next run (seeing no new documents) never
built it again. `ensure_search_index` checks completeness on every ingest and nightly run, whatever changed.
The index itself is pipeline/search/index.py's; this module only decides when to call its public functions.
"""
from __future__ import annotations

import duckdb


class IndexRefreshError(Exception):
    """The index could not be (re)built; the message says why (e.g. the disk is full)."""


def index_is_complete(con: duckdb.DuckDBPyConnection) -> bool:
    """Every search table exists, the FTS schema exists, and the index covers exactly the agenda items."""
    from pipeline.search.index import index_exists

    try:
        if not index_exists(con):
            return False
        fts = con.execute("SELECT count(*) FROM duckdb_schemas() WHERE schema_name = 'fts_main_search_items'"
                          ).fetchone()[0]
        if not fts:
            return False
        meta = con.execute("SELECT items FROM search_meta").fetchall()
        if len(meta) != 1:
            return False
        counts = con.execute("""SELECT (SELECT count(*) FROM agenda_items),
                                       (SELECT count(*) FROM search_items),
                                       (SELECT count(*) FROM agenda_items a
                                        WHERE NOT EXISTS (SELECT 1 FROM search_items s WHERE s.item_id = a.item_id))
                             """).fetchone()
    except duckdb.Error:
        return False
    items, indexed, missing = counts
    return items == indexed == meta[0][0] and missing == 0


def ensure_search_index(con: duckdb.DuckDBPyConnection, changed: bool) -> str | None:
    """Rebuild the index when documents changed or it is not complete. Returns what was done ('rebuilt',
    'repaired') or None; raises IndexRefreshError when the build fails (nothing else is lost: the build runs in
    one transaction, and the next run tries again because the index is still incomplete)."""
    from pipeline.search.index import rebuild_index
    from pipeline.warehouse.db import describe_error, is_disk_full

    if not changed and index_is_complete(con):
        return None
    action = "rebuilt" if changed else "repaired"
    try:
        rebuild_index(con)
    except (duckdb.Error, OSError) as exc:
        try:
            con.execute("ROLLBACK")
        except duckdb.Error:
            pass
        reason = "disk_full" if is_disk_full(exc) else "index_failed"
        raise IndexRefreshError(f"{reason}: the search index could not be built: {describe_error(exc)}") from exc
    return action
