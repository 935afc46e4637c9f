"""Search from memory (`pipeline/search/resident.py`, `vocabulary.MemoryVocabulary`) answers exactly what the
SQL path answers: totals, facets, the page's items in order, scores and snippets; the query analysis is the
same with the vocabulary in dictionaries as with lookups in SQL."""
from __future__ import annotations

import datetime as dt
import itertools
import json
import threading
import time
import urllib.request
from urllib.parse import quote

import pytest

from search_paths import JOURNALIST_QUERIES, QUERIES

EXTRA = ["budget", "kommune", "godkendte", "lokalplan høringssvar", "frivilligfest", "paarorende", "klimatilpasing",
         "skole kapacitet", "27.00", "22-013125", "20-010677K", "budget OR skole", "", "og", "skolereform",
         "lokalplan OR 22-013125", '"taget til efterretning"', "xyzzyborger", "borgmestr", "skolebestyrelsesvalg"]
FILTERS = [{}, {"committee": "udvalg"}, {"year": 2022, "outcome": "approved"},
           {"date_from": dt.date(2022, 3, 1), "date_to": dt.date(2022, 6, 30)}, {"case_prefix": "01."},
           {"municipality": "greve", "document_type": "referat"}]


def all_queries() -> list[str]:
    from pipeline.search.evaluate import load_queries

    typed = [q["query"] for q in load_queries(QUERIES)]
    typed += [q["query"] for q in json.loads(JOURNALIST_QUERIES.read_text(encoding="utf-8"))]
    return list(dict.fromkeys(typed + EXTRA))


def answers(con, cases) -> list[tuple]:
    from pipeline.search.engine import Filters, search

    out = []
    for query, filters, sort, offset in cases:
        r = search(con, query, Filters(**filters), limit=7, offset=offset, sort=sort)
        out.append((r.total, r.facets, [(h.item_id, h.score, h.snippet, h.snippet_page) for h in r.hits],
                    r.corrected_query, r.suggestion, r.also_searched))
    return out


@pytest.mark.slow
@pytest.mark.parametrize("which", ["search_con", "greve_con"])
def test_memory_answers_equal_sql_answers(request, monkeypatch, which):
    from pipeline.search import engine, resident

    con = request.getfixturevalue(which)
    # every query in two orders; a dozen of them under every filter and order
    cases = [(q, {}, sort, offset) for q in all_queries() for sort, offset in (("relevance", 0), ("date", 3))]
    cases += list(itertools.product(EXTRA[:12], FILTERS, ["relevance", "date", "date_asc"], [0]))
    resident.forget(con)
    in_sql = answers(con, cases)
    assert sum(r[0] for r in in_sql) > 1000, "the cases must find things"
    sql_calls = []
    real_rank_in_sql = engine._rank_in_sql
    monkeypatch.setattr(engine, "_rank_in_sql", lambda *a, **k: sql_calls.append(a[1].text) or real_rank_in_sql(*a, **k))
    assert resident._postings is not None, "the C loop is built by pip install"
    # postings in memory with the C loop, with numpy alone (no compiler), then read from DuckDB
    for postings_bytes, c_loop in ((resident.MAX_POSTINGS_BYTES, True), (resident.MAX_POSTINGS_BYTES, False), (0, False)):
        monkeypatch.setattr(resident, "_postings", resident._postings if c_loop else None)
        loaded = resident.load(con, postings_bytes)
        assert (loaded.postings is not None) == (postings_bytes > 0)
        try:
            in_memory = answers(con, cases)
        finally:
            resident.forget(con)
        assert set(sql_calls) <= {q for q in all_queries() if '"' in q}, "only phrase queries may go to SQL"
        differ = [(case, a[:2], b[:2]) for case, a, b in zip(cases, in_sql, in_memory) if a != b]
        assert not differ, differ[:3]


@pytest.mark.parametrize("which", ["search_con", "greve_con"])
def test_the_vocabulary_in_memory_analyses_queries_as_sql_does(request, which):
    from pipeline.search.query import analyse
    from pipeline.search.vocabulary import MemoryVocabulary

    con = request.getfixturevalue(which)
    vocab = MemoryVocabulary(con)
    for query in all_queries() + ["jobcentret", "affaldsdag", "aeldre", "lokalplanerne", "vedtog", "tryghed"]:
        for plain in (False, True):
            assert analyse(con, query, plain, vocab=vocab) == analyse(con, query, plain), query


def test_result_pages_look_items_up_by_index(search_con):
    names = {r[0] for r in search_con.execute("SELECT index_name FROM duckdb_indexes()").fetchall()}
    assert {"search_items_sid", "search_pages_sid"} <= names


def test_the_server_loads_the_index_into_memory_and_answers_the_same(greve_db, greve_con):
    from pipeline.search import resident
    from pipeline.search.engine import search
    from pipeline.web.server import make_server

    server = make_server(greve_db, host="127.0.0.1", port=0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        con, _ = server.warehouse.state()
        key = resident.index_key(con.cursor())
        deadline = time.monotonic() + 60
        while resident.loaded(key) is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert resident.loaded(key) is not None, "the server reads the snapshot's index into memory"
        base = f"http://127.0.0.1:{server.server_address[1]}"
        for query in ["lokalplan", "budget OR skole", "22-013125", "paarorende"]:
            with urllib.request.urlopen(f"{base}/api/search?q={quote(query)}&sort=date", timeout=30) as r:
                api = json.loads(r.read())
            expected = search(greve_con, query, sort="date", limit=10)
            assert api["total"] == expected.total
            assert [h["item_id"] for h in api["hits"]] == [h.item_id for h in expected.hits]
    finally:
        server.shutdown()
        server.server_close()


def test_case_appearances_from_memory_equal_the_warehouse_counts(greve_con):
    from pipeline.search import resident
    from pipeline.warehouse.queries import case_counts

    numbers = [r[0] for r in greve_con.execute(
        "SELECT DISTINCT case_number FROM agenda_items WHERE case_number IS NOT NULL").fetchall()] + ["00-000000"]
    try:
        held = resident.load(greve_con)
        assert held.cases.counts(numbers) == case_counts(greve_con, numbers)
        assert len(numbers) > 10
    finally:
        resident.forget(greve_con)


def test_the_posting_loop_refuses_out_of_range_postings():
    import numpy as np

    from pipeline.search import _postings

    scores = np.zeros(4, dtype=np.float32)
    table = np.asarray([0.5, 2.0], dtype=np.float32)
    _postings.scatter_max(scores, np.asarray([1, 3, 1], dtype=np.int32), np.asarray([0, 1, 1], dtype=np.uint8), table, 1)
    assert scores.tolist() == [0.0, 2.0, 0.0, 2.0]
    with pytest.raises(IndexError):
        _postings.scatter_max(scores, np.asarray([4], dtype=np.int32), np.asarray([0], dtype=np.uint8), table, 1)
    with pytest.raises(IndexError):
        _postings.scatter_max(scores, np.asarray([0], dtype=np.int32), np.asarray([2], dtype=np.uint8), table, 1)
    with pytest.raises(ValueError):
        _postings.scatter_max(scores, np.asarray([0], dtype=np.int32), np.asarray([0, 0], dtype=np.uint8), table, 1)
