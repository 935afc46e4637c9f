"""Every table of a warehouse as comparable rows: for tests that check two ways of loading give the same."""
from __future__ import annotations

from pathlib import Path


def snapshot(db: Path) -> dict[str, list[tuple]]:
    """Every warehouse table's rows, sorted, without timestamps (TIMESTAMP columns, `*_at` epoch columns).

    The search index's own tables are compared by size only: their internal row numbers follow load order,
    which differs between any two parallel runs (two `minutes ingest --workers 2` runs as well). The run log
    (`ingest_batches`, and the batch a row was written in) counts runs, not what the warehouse holds."""
    from pipeline.warehouse.db import connect

    con = connect(db, read_only=True)
    tables = {}
    for (table,) in con.execute("""SELECT table_name FROM information_schema.tables
                                   WHERE table_schema = 'main' AND table_type = 'BASE TABLE' ORDER BY 1""").fetchall():
        columns = [c for c, kind in con.execute(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position",
            [table]).fetchall() if not (kind.startswith("TIMESTAMP") or c.endswith("_at") or c == "batch_id")]
        if table == "ingest_batches":
            continue
        if table.startswith(("search_", "fts_")):
            tables[table] = con.execute(f"SELECT count(*) FROM {table}").fetchall()
            continue
        rows = con.execute(f"SELECT {', '.join(columns)} FROM {table}").fetchall()
        tables[table] = sorted(rows, key=repr)
    con.close()
    return tables
