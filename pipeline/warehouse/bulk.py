"""Bulk inserts that do not bind Python values one by one.

DuckDB's Python client converts statement parameters value by value (and probes each for pandas types): a
multi-row `INSERT … VALUES (?, ?, …)` costs about 20-40 µs per value, which made loading a document and
building the search index the slowest steps of an ingest. Two faster routes, chosen per call:

* **JSON** (any column types, including lists and MAPs): the rows are serialised once with the C-accelerated
  `json` module and parsed by DuckDB's JSON reader (`json_transform` to the table's column types) — about a
  tenth of the cost, same values; short JSON text goes into the statement as a string literal (cheaper than a
  parameter, see `_json_argument`);
* **numpy** (large inserts of plain columns without NULLs, e.g. search postings): each column an array that
  DuckDB scans in bulk; registering arrays has a fixed cost of a few ms, so it pays only for many rows.

Values JSON cannot carry (text with lone surrogates, unknown types) fall back to parameters.
"""
from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import duckdb

NUMPY_DTYPES = {"INTEGER": "int32", "BIGINT": "int64", "DOUBLE": "float64", "FLOAT": "float32",
                "VARCHAR": "object"}
NUMPY_MIN_ROWS = 10_000  # below this, registering arrays costs more than it saves
PARAMETERS_PER_STATEMENT = 2000  # of the fallback path
LITERAL_MAX_CHARS = 4096  # JSON text up to this length goes into the statement as a literal (see _json_argument)

DO_NOTHING = "ON CONFLICT DO NOTHING"

_column_types: dict[str, list[tuple[str, str]]] = {}
_primary_keys: dict[str, list[str]] = {}


def table_columns(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, str]]:
    """(name, type) of the table's columns in order (the schema is fixed, so cached per table name)."""
    if table not in _column_types:
        _column_types[table] = [(row[0], row[1]) for row in con.execute(f"DESCRIBE {table}").fetchall()]
    return _column_types[table]


def primary_key(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    """The table's primary-key columns ([] when it has none); cached like the column types."""
    if table not in _primary_keys:
        row = con.execute("""SELECT constraint_column_names FROM duckdb_constraints()
                             WHERE table_name = ? AND constraint_type = 'PRIMARY KEY'""", [table]).fetchone()
        _primary_keys[table] = list(row[0]) if row else []
    return _primary_keys[table]


def insert_rows(con: duckdb.DuckDBPyConnection, table: str, rows: list[list], on_conflict: str = "") -> None:
    """Insert rows given in the table's column order (`on_conflict`: e.g. "ON CONFLICT DO NOTHING")."""
    if not rows:
        return
    columns = table_columns(con, table)
    if len(columns) != len(rows[0]):  # not the table's shape: let DuckDB say what is wrong
        _insert_with_parameters(con, table, [], rows, on_conflict)
        return
    if on_conflict.strip().upper() == DO_NOTHING and primary_key(con, table):
        rows, on_conflict = _without_conflicts(con, table, columns, rows), ""
        if not rows:
            return
    insert_columns(con, table, {name: [row[k] for row in rows] for k, (name, _) in enumerate(columns)},
                   dict(columns), on_conflict)


def insert_new_rows(con: duckdb.DuckDBPyConnection, table: str, rows: list[list]) -> None:
    """Insert rows (in the table's column order) whose keys the table cannot hold yet -- e.g. a meeting's rows,
    keyed by ids derived from the meeting id, right after that meeting's rows were deleted. A key repeated
    within `rows` keeps its first row (as `ON CONFLICT DO NOTHING` would); the table is not asked, which saves
    a lookup statement (~2 ms, and a scan that grows with the table) per insert."""
    if rows and len(table_columns(con, table)) == len(rows[0]) and primary_key(con, table):
        rows = list(_first_per_key(con, table, rows).values())
    insert_rows(con, table, rows)


def _first_per_key(con: duckdb.DuckDBPyConnection, table: str, rows: list[list]) -> dict[tuple, list]:
    """The first row of each primary key, by key (rows in the table's column order)."""
    names = [name for name, _ in table_columns(con, table)]
    key_columns = [names.index(name) for name in primary_key(con, table)]
    first: dict[tuple, list] = {}
    for row in rows:
        first.setdefault(tuple(row[k] for k in key_columns), row)
    return first


def _without_conflicts(con: duckdb.DuckDBPyConnection, table: str, columns: list[tuple[str, str]],
                       rows: list[list]) -> list[list]:
    """`ON CONFLICT DO NOTHING` done here: the first row of each key, minus keys the table already has.
    DuckDB's own conflict check costs ~3 ms per statement, more than the rest of a small insert."""
    names = [name for name, _ in columns]
    key_columns = [names.index(name) for name in primary_key(con, table)]
    first = _first_per_key(con, table, rows)
    lead, lead_type = columns[key_columns[0]]
    stored = con.execute(f"SELECT {', '.join(names[k] for k in key_columns)} FROM {table} "
                         f"WHERE {lead} IN (SELECT unnest(?::{lead_type}[]))",
                         [list({key[0] for key in first})]).fetchall()
    for key in stored:
        first.pop(tuple(key), None)
    return list(first.values())


def insert_columns(con: duckdb.DuckDBPyConnection, table: str, columns: dict[str, Sequence],
                   types: dict[str, str], on_conflict: str = "") -> None:
    """Insert columns (name -> values, all of one length) of the given SQL types into `table`."""
    if not columns:
        return
    count = len(next(iter(columns.values())))
    if not count:
        return
    if count >= NUMPY_MIN_ROWS and all(types[n] in NUMPY_DTYPES and None not in columns[n] for n in columns):
        _insert_numpy(con, table, columns, types, on_conflict)
        return
    names = list(columns)
    records = [dict(zip(names, row)) for row in zip(*(columns[n] for n in names))]
    payload = _json_text(records)
    if payload is None:
        _insert_with_parameters(con, table, names, [list(r.values()) for r in records], on_conflict)
        return
    structure = json.dumps([{name: types[name] for name in names}])
    rows, parameters = _json_argument(payload)
    # max_depth 2 unnests the list of rows and each row's struct into columns (list and MAP values are deeper
    # and stay whole); one unnest costs ~0.1-0.5 ms less per statement than selecting r."column" for each column
    con.execute(f"INSERT INTO {table} ({', '.join(names)}) "
                f"SELECT unnest(json_transform({rows}::JSON, {sql_string(structure)}), max_depth := 2) {on_conflict}",
                parameters)


def _json_argument(payload: str) -> tuple[str, list]:
    """The JSON text as it goes into the statement: an SQL string literal when short, else a parameter.

    A parameter costs DuckDB's Python client ~0.03-0.1 ms per statement (0.3-0.4 ms more when the client probes
    for pandas, which pipeline.warehouse.db prevents when pandas is absent); a literal is parsed with the
    statement, at a cost that grows with its length (10 kB: ~0.1 ms slower than the parameter, 1 MB: ~13 ms), so
    only short payloads -- most of a small document's inserts -- are inlined. The text is json.dumps output,
    which escapes every control character, so it holds no NUL; one would still never reach the SQL text:
    DuckDB's parser stops reading a statement at a NUL (`SELECT 1<NUL>; DROP TABLE x` runs `SELECT 1`)."""
    if len(payload) <= LITERAL_MAX_CHARS and "\x00" not in payload:
        return sql_string(payload), []
    return "?", [payload]


def sql_string(text: str) -> str:
    """`text` as a standard SQL string literal: quotes doubled, nothing else changes (DuckDB treats a backslash
    in '...' as an ordinary character). Only for text without NUL that encodes as UTF-8 (see _json_argument)."""
    return "'" + text.replace("'", "''") + "'"


@contextmanager
def optimizer_off(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Run a block of inserts without DuckDB's query optimizer.

    Its ~30 passes cost ~0.25 ms for an `INSERT ... SELECT unnest(json_transform(...))` and have nothing to
    improve in it (the plan is one scan of the statement's own rows), so a meeting's ten inserts save ~2 ms
    for the two PRAGMAs' ~0.25 ms. Not for lookups: without the optimizer a filter is not pushed into the
    table scan, so no index or zone map narrows it.

    The optimizer is on again after the block, and after an error in it as far as DuckDB allows: a
    transaction the error aborted refuses every statement until ROLLBACK, so whoever rolls it back calls
    restore_optimizer afterwards (load_document does)."""
    con.execute("PRAGMA disable_optimizer")
    try:
        yield
    except BaseException:
        restore_optimizer(con)
        raise
    con.execute("PRAGMA enable_optimizer")


def restore_optimizer(con: duckdb.DuckDBPyConnection) -> None:
    """Turn DuckDB's optimizer back on after a failed optimizer_off block (quietly: an aborted transaction
    refuses it until ROLLBACK, and the error being handled is the one to report)."""
    try:
        con.execute("PRAGMA enable_optimizer")
    except duckdb.Error:
        pass


def text_array(values: Sequence[str]) -> tuple[str, object]:
    """A VARCHAR[] statement argument: (SQL expression, its parameter). Many values go as one JSON text parsed by
    DuckDB (`from_json`), because the client converts a list parameter value by value: 21,000 words cost 0.24 s
    as a list and 0.012 s as JSON. Text JSON cannot carry (lone surrogates) goes as the list."""
    values = list(values)
    payload = _json_text(values)
    if payload is None:
        return "?::VARCHAR[]", values
    return "from_json(?, '[\"VARCHAR\"]')", payload


def _json_text(value) -> str | None:
    """`value` as JSON text DuckDB can read, or None when JSON cannot carry it: text with lone surrogates
    (DuckDB takes only valid UTF-8) or a type without a JSON form (dates and times go as ISO text)."""
    try:
        payload = json.dumps(value, ensure_ascii=False, default=_json_default)
        payload.encode("utf-8")
    except (UnicodeEncodeError, TypeError):
        return None
    return payload


def _json_default(value):
    """Dates and times as ISO text (DuckDB's JSON reader parses them into DATE/TIME/TIMESTAMP columns)."""
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value.isoformat()
    raise TypeError(f"no JSON form for a {type(value).__name__} value")


def _insert_numpy(con: duckdb.DuckDBPyConnection, table: str, columns: dict[str, Sequence], types: dict[str, str],
                  on_conflict: str) -> None:
    import numpy as np

    view = f"_bulk_{table}"
    con.register(view, {n: np.asarray(values, dtype=NUMPY_DTYPES[types[n]]) for n, values in columns.items()})
    try:
        names = ", ".join(columns)
        con.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM {view} {on_conflict}")
    finally:
        con.unregister(view)


def _insert_with_parameters(con: duckdb.DuckDBPyConnection, table: str, names: list[str], rows: list[list],
                            on_conflict: str) -> None:
    """Multi-row VALUES statements with parameters (the slow, always-correct path)."""
    target = f"{table} ({', '.join(names)})" if names else table
    width = len(rows[0])
    group = "(" + ", ".join("?" * width) + ")"
    per_statement = max(1, PARAMETERS_PER_STATEMENT // width)
    for start in range(0, len(rows), per_statement):
        chunk = rows[start:start + per_statement]
        con.execute(f"INSERT INTO {target} VALUES {', '.join([group] * len(chunk))} {on_conflict}",
                    [value for row in chunk for value in row])
