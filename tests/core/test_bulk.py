"""Bulk inserts (pipeline/warehouse/bulk.py): the JSON and numpy routes store exactly what parameters store."""
from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from pipeline.warehouse import bulk

TYPES = {"name": "VARCHAR", "n": "INTEGER", "ok": "BOOLEAN", "day": "DATE", "tags": "VARCHAR[]",
         "pages": "INTEGER[]", "parties": "MAP(VARCHAR, VARCHAR)", "score": "DOUBLE"}
ROWS = [
    ["Økonomiudvalget \"citat\" \\ <b>", 7, True, dt.date(2022, 3, 21), ["A", "Ø"], [1, 2], {"Bjarke Abel": "A"}, 0.5],
    [None, None, None, None, None, None, None, None],
    ["", 0, False, "2022-12-31", [], [], {}, -1e-9],
    ["ÆØÅ æøå – “” \n\t", -2_000_000_000, False, dt.date(1999, 1, 1), ["x" * 5000], [None, 3], {"k": None}, 1e300],
    ["nul\x00byte \x01\u2028\ufeff", 1, True, None, ["a\x00b"], [0], {}, float("inf")],
]


def _table(con, name: str) -> None:
    con.execute(f"CREATE TABLE {name} ({', '.join(f'{c} {t}' for c, t in TYPES.items())})")


def test_json_route_equals_parameters():
    con = duckdb.connect()
    _table(con, "via_json")
    _table(con, "via_params")
    bulk.insert_rows(con, "via_json", ROWS)
    bulk._insert_with_parameters(con, "via_params", [], ROWS, "")
    stored = con.execute("SELECT * FROM via_json").fetchall()
    assert stored == con.execute("SELECT * FROM via_params").fetchall()
    assert stored[0][0] == ROWS[0][0] and stored[1] == (None,) * 8 and stored[3][5] == [None, 3]


def _outcome(run) -> str:
    try:
        run()
    except Exception as exc:  # noqa: BLE001 -- the kind of failure is what is compared
        return type(exc).__name__
    return "stored"


def test_text_json_cannot_carry_behaves_as_parameters():
    """Lone surrogates (os.fsdecode of a non-UTF-8 byte) cannot be JSON text for DuckDB: the parameter route
    takes them and answers exactly as it always did (the loader escapes such names before they get here)."""
    row = ["referat-\udce6.pdf", 1, True, None, None, None, None, None]
    con = duckdb.connect()
    _table(con, "a")
    _table(con, "b")
    via_bulk = _outcome(lambda: bulk.insert_rows(con, "a", [row]))
    via_params = _outcome(lambda: bulk._insert_with_parameters(con, "b", [], [row], ""))
    assert via_bulk == via_params and via_bulk != "UnicodeEncodeError"


def test_numpy_route_for_large_plain_columns():
    con = duckdb.connect()
    con.execute("CREATE TABLE postings (word VARCHAR, sid INTEGER, impact FLOAT)")
    count = bulk.NUMPY_MIN_ROWS + 5
    words = [f"ord{k % 97}" for k in range(count)]
    bulk.insert_columns(con, "postings", {"word": words, "sid": list(range(count)), "impact": [0.25] * count},
                        {"word": "VARCHAR", "sid": "INTEGER", "impact": "FLOAT"}, "")
    assert con.execute("SELECT count(*), sum(sid), min(word), max(impact) FROM postings").fetchone() == \
        (count, count * (count - 1) // 2, "ord0", 0.25)


def test_on_conflict_do_nothing_matches_duckdb():
    """Duplicate keys in the batch keep the first row; keys already stored are left alone -- as DuckDB's
    `ON CONFLICT DO NOTHING` does, which the bulk path does itself (DuckDB's check costs ~3 ms a statement)."""
    con = duckdb.connect()
    for name in ("ours", "duckdbs"):
        con.execute(f"CREATE TABLE {name} (item_id VARCHAR, name VARCHAR, status VARCHAR, PRIMARY KEY (item_id, name))")
        con.execute(f"INSERT INTO {name} VALUES ('i1', 'Anna', 'stored')")
    rows = [["i1", "Anna", "new"], ["i1", "Bo", "first"], ["i1", "Bo", "second"], ["i2", "Anna", "x"]]
    bulk.insert_rows(con, "ours", rows, "ON CONFLICT DO NOTHING")
    for row in rows:  # one statement per row: DuckDB's reference behaviour, unambiguous
        con.execute("INSERT INTO duckdbs VALUES (?, ?, ?) ON CONFLICT DO NOTHING", row)
    ours = con.execute("SELECT * FROM ours ORDER BY ALL").fetchall()
    assert ours == con.execute("SELECT * FROM duckdbs ORDER BY ALL").fetchall()
    assert ("i1", "Anna", "stored") in ours and ("i1", "Bo", "first") in ours and len(ours) == 3


HOSTILE = ["it's", "''", "'); DROP TABLE victim; --", "'; DELETE FROM victim; SELECT '", "\\", "\\'", "a\\nb\\t",
           "$$", "$$'); DROP TABLE victim; --$$", "$q$ x $q$", "line\nbreak\r\nend\r", "tab\there\x0b\x0c",
           "emoji 😀 🇩🇰 👍🏽", "ÆØÅ æøå – “citat” «»", "nul\x00inside", "\x00", "\x01\x1f\x7f", "? $1 :name",
           '{"json": "text"}', '"]}', "\u2028\u2029\ufeff\u200b", "E'\\x41'", "-- comment", "/* open", ";", "",
           "x'" * 3000]  # the last one is longer than LITERAL_MAX_CHARS: it goes as a parameter


def _hostile_table(con) -> None:
    con.execute("CREATE TABLE hostile (k INTEGER, text VARCHAR, tags VARCHAR[], parties MAP(VARCHAR, VARCHAR))")
    con.execute("CREATE TABLE victim (x INTEGER)")
    con.execute("INSERT INTO victim VALUES (1), (2)")


def test_hostile_text_is_stored_byte_for_byte_and_runs_nothing(monkeypatch):
    """Text from PDFs reaches the JSON route's SQL string literal: whatever it holds (quotes, backslashes, SQL,
    dollar quotes, control characters, NUL, emoji) is stored exactly and no statement but the insert runs."""
    routes = []
    choose = bulk._json_argument
    monkeypatch.setattr(bulk, "_json_argument", lambda payload: routes.append(choose(payload)[0][0]) or choose(payload))
    con = duckdb.connect()
    _hostile_table(con)
    tables = con.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall()
    rows = [[k, text, [text, "b"], {text or "empty": text}] for k, text in enumerate(HOSTILE)]
    for start in range(0, len(rows), 3):  # small inserts, so that nearly all go as literals
        bulk.insert_rows(con, "hostile", rows[start:start + 3])
    stored = con.execute("SELECT k, text, tags, parties, encode(text) FROM hostile ORDER BY k").fetchall()
    assert [list(r[:4]) for r in stored] == rows
    assert [r[4] for r in stored] == [text.encode("utf-8") for text in HOSTILE]
    assert routes.count("'") == len(routes) - 1  # all but the insert with the long text went as literals
    assert con.execute("SELECT count(*) FROM victim").fetchone()[0] == 2
    assert con.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall() == tables


def test_json_goes_as_literal_only_when_short_and_without_nul():
    short = bulk._json_argument('[{"t": "it\'s"}]')
    assert short == ("'[{\"t\": \"it''s\"}]'", [])
    assert bulk._json_argument("x" * (bulk.LITERAL_MAX_CHARS + 1))[0] == "?"
    assert bulk._json_argument('["a\x00b"]') == ("?", ['["a\x00b"]'])  # json.dumps never writes one; still guarded


def test_lone_surrogates_take_the_parameter_route():
    """Text with a lone surrogate (os.fsdecode of a non-UTF-8 byte) cannot be SQL text: the parameter route gets
    it, and whatever that answers, the other rows and tables are untouched."""
    con = duckdb.connect()
    _hostile_table(con)
    con.execute("CREATE TABLE reference (k INTEGER, text VARCHAR, tags VARCHAR[], parties MAP(VARCHAR, VARCHAR))")
    row = [1, "'); DROP TABLE victim; -- \udce6", ["\udce6"], {"k": "\ud800"}]
    via_bulk = _outcome(lambda: bulk.insert_rows(con, "hostile", [row]))
    via_params = _outcome(lambda: bulk._insert_with_parameters(con, "reference", [], [row], ""))
    assert via_bulk == via_params and via_bulk != "UnicodeEncodeError"
    assert con.execute("SELECT * FROM hostile").fetchall() == con.execute("SELECT * FROM reference").fetchall()
    assert con.execute("SELECT count(*) FROM victim").fetchone()[0] == 2


def optimizing(con) -> bool:
    """Whether DuckDB's optimizer is on: it pushes the filter into the table scan (no FILTER operator left)."""
    return "FILTER" not in con.execute("EXPLAIN SELECT k FROM keyed WHERE k = 1").fetchall()[0][1]


def test_optimizer_is_on_again_after_an_optimizer_off_block():
    con = duckdb.connect()
    con.execute("CREATE TABLE keyed (k INTEGER PRIMARY KEY)")
    con.execute("INSERT INTO keyed VALUES (1)")
    with bulk.optimizer_off(con):
        assert not optimizing(con)
        bulk.insert_rows(con, "keyed", [[2]])
    assert optimizing(con)
    with pytest.raises(ValueError), bulk.optimizer_off(con):
        raise ValueError("not a DuckDB error")
    assert optimizing(con)
    con.execute("BEGIN")
    with pytest.raises(duckdb.ConstraintException), bulk.optimizer_off(con):
        bulk.insert_rows(con, "keyed", [[1]])  # aborts the transaction: DuckDB refuses the PRAGMA until ROLLBACK
    con.execute("ROLLBACK")
    bulk.restore_optimizer(con)  # what load_document does after its ROLLBACK
    assert optimizing(con)
    assert con.execute("SELECT k FROM keyed ORDER BY k").fetchall() == [(1,), (2,)]


def test_text_array_round_trips_hostile_text_as_json():
    con = duckdb.connect()
    values = ["a", "æble", "it's", 'x"y', "back\\slash", "nul\x00x", "emoji 😀", "'); DROP TABLE t; --", "", "tab\tnl\n"]
    values += [f"ord{k}" for k in range(5000)]
    sql, argument = bulk.text_array(values)
    assert sql.startswith("from_json(") and isinstance(argument, str)  # one JSON text, not 5,010 parameters
    assert [row[0] for row in con.execute(f"SELECT unnest({sql})", [argument]).fetchall()] == values
    sql, argument = bulk.text_array([])
    assert con.execute(f"SELECT count(*) FROM (SELECT unnest({sql}))", [argument]).fetchone() == (0,)
    assert bulk.text_array(["bad \udcff"]) == ("?::VARCHAR[]", ["bad \udcff"])  # what JSON cannot carry: a list
