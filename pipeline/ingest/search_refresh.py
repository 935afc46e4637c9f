"""Keep the search index whole: updated for the documents a run loaded, and repaired whenever it is missing or
incomplete.

A kill or a full disk during a build used to leave no index, and the next run (seeing no new documents) never
built it again. `ensure_search_index` checks completeness on every ingest and nightly run, whatever changed.
The index itself is pipeline/search/index.py's; this module only decides when to call its public functions.
"""
from __future__ import annotations

import duckdb


class IndexRefreshError(Exception):
    """The index could not be updated or built; the message says why (e.g. the disk is full)."""


def ensure_search_index(con: duckdb.DuckDBPyConnection, doc_ids: list[str]) -> str | None:
    """Index the documents just loaded (`doc_ids`), and repair an index that is missing or incomplete.

    Returns what was done ('updated', 'repaired', 'built') or None; raises IndexRefreshError when it fails
    (nothing else is lost: the work runs in one transaction, and the next run tries again because the index is
    still incomplete)."""
    from pipeline.search.index import index_exists, index_is_complete, rebuild_index, update_index
    from pipeline.warehouse.db import describe_error, is_disk_full

    try:
        if not index_exists(con):
            rebuild_index(con)
            return "built"
        if doc_ids:
            update_index(con, doc_ids)
            if index_is_complete(con):
                return "updated"
        elif index_is_complete(con):
            return None
        update_index(con)  # incomplete: bring every document in line (what a killed build left out)
        return "repaired"
    except (duckdb.Error, OSError) as exc:
        try:
            con.execute("ROLLBACK")
        except duckdb.Error:
            pass
        reason = "disk_full" if is_disk_full(exc) else "index_failed"
        raise IndexRefreshError(f"{reason}: the search index could not be updated: {describe_error(exc)}") from exc
