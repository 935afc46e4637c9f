"""Danish-aware search: recall on the judged query set, filters, corrections, snippets, CLI output."""
from __future__ import annotations

import datetime as dt
import json
import shutil

import pytest
from click.testing import CliRunner

from pipeline.search.engine import Filters, search
from pipeline.search.evaluate import evaluate, summary

HARD = {"spelling", "typo", "compound"}


def test_query_set_is_large_enough(queries):
    assert len(queries) >= 30
    kinds = {q["kind"] for q in queries}
    assert {"inflection", "compound", "spelling", "typo"} <= kinds


def test_recall_at_10_floor(search_con, queries):
    recall, mrr = summary(evaluate(search_con, queries, mode="danish"))
    assert recall >= 0.9, recall
    assert mrr >= 0.8, mrr


def test_danish_beats_plain_bm25_on_hard_cases(search_con, queries):
    hard = [q for q in queries if q["kind"] in HARD]
    danish_recall, danish_mrr = summary(evaluate(search_con, hard, mode="danish"))
    plain_recall, plain_mrr = summary(evaluate(search_con, hard, mode="plain"))
    assert danish_recall >= plain_recall + 0.3, (danish_recall, plain_recall)
    assert danish_mrr > plain_mrr


def top(con, query, **kw):
    return [(h.source_file, h.number) for h in search(con, query, **kw).hits]


def test_inflection_and_compounds(search_con):
    assert ("classic-0009.pdf", 145) in top(search_con, "pårørendepolitikken", limit=3)
    assert top(search_con, "frivilligfest", limit=1) == [("capital-0009.pdf", 3)]
    # the parts of a compound written apart find the compound
    assert ("classic-0008.pdf", 110) in top(search_con, "nedsættelse af hastigheden", limit=3)
    assert ("classic-0004.pdf", 127) in top(search_con, "regulativ for vandløb", limit=3)


def test_lemmas_reach_other_forms(search_con):
    result = search(search_con, "godkendte", limit=50)
    assert result.corrected_query is None
    titles = " ".join(h.title.lower() for h in result.hits)
    assert "godkendelse" in titles


def test_spelling_folding_and_typo_correction_are_reported(search_con):
    result = search(search_con, "paaroerende politik", limit=3)
    assert result.corrected_query == "pårørende politik"
    assert ("classic-0009.pdf", 145) in [(h.source_file, h.number) for h in result.hits]
    result = search(search_con, "klimatilpasing", limit=3)
    assert result.corrected_query == "klimatilpasning"
    assert result.hits[0].title == "Klimatilpasning i Taarbæk"
    assert search(search_con, "tårbæk", limit=1).hits[0].title == "Klimatilpasning i Taarbæk"


def test_snippet_marks_matches_and_cites_page(search_con):
    hit = search(search_con, "frivilligfest", limit=1).hits[0]
    assert "«" in hit.snippet and "»" in hit.snippet
    assert "<mark>" in hit.snippet_html
    assert hit.first_page and hit.first_page >= 1
    assert hit.source_file == "capital-0009.pdf"


def test_phrase_query(search_con):
    hits = search(search_con, '"hastighedsnedsættelse på ådalen"', limit=10).hits
    assert [(h.source_file, h.number) for h in hits] == [("classic-0008.pdf", 110)]
    assert search(search_con, '"ådalen på hastighedsnedsættelse"', limit=10).hits == []


def test_filters(search_con):
    q = "skoledistrikter"
    assert {h.municipality for h in search(search_con, q, Filters(municipality="ballerup"), limit=50).hits} == {"Ballerup Kommune"}
    assert {h.municipality for h in search(search_con, q, Filters(municipality="Horsens"), limit=50).hits} <= {"Horsens Kommune"}
    assert search(search_con, "vestbyskolens", Filters(municipality="Horsens"), limit=50).hits == []
    assert all("Børne" in h.committee for h in search(search_con, q, Filters(committee="børne- og ungdom"), limit=50).hits)
    hits = search(search_con, "", Filters(date_from=dt.date(2022, 1, 1), date_to=dt.date(2022, 12, 31)), limit=100).hits
    assert hits and all(dt.date(2022, 1, 1) <= h.meeting_date <= dt.date(2022, 12, 31) for h in hits)
    hits = search(search_con, "", Filters(case_prefix="27.00"), limit=100).hits
    assert {(h.source_file, h.number) for h in hits} == {("classic-0008.pdf", 110), ("classic-0008.pdf", 114)}
    hits = search(search_con, "skoledistrikter", Filters(outcome="approved"), limit=50).hits
    assert hits and all(h.outcome == "approved" for h in hits)
    assert search(search_con, "skoledistrikter", Filters(document_type="dagsorden"), limit=50).hits == []


def test_case_number_query_and_sort_by_date(search_con):
    assert set(top(search_con, "27.00", limit=10)) == {("classic-0008.pdf", 110), ("classic-0008.pdf", 114)}
    hits = search(search_con, "budget", sort="date", limit=50).hits
    dates = [h.meeting_date for h in hits]
    assert dates == sorted(dates, reverse=True)


def test_paging_and_total(search_con):
    first = search(search_con, "budget", limit=3)
    second = search(search_con, "budget", limit=3, offset=3)
    assert first.total == second.total > 6
    assert not {h.item_id for h in first.hits} & {h.item_id for h in second.hits}


def test_hostile_text_is_searchable_and_harmless(search_con):
    hits = search(search_con, "O'Brien'; DROP TABLE agenda_items; --", limit=5).hits
    assert hits and "<script>" in hits[0].title
    assert search_con.execute("SELECT count(*) FROM agenda_items").fetchone()[0] > 70
    hit = search(search_con, "xyzzyborger", limit=1).hits[0]
    assert "<script>" not in hit.snippet_html and "&lt;" in hit.snippet_html


def test_cli_json_output(search_db):
    from pipeline.cli import cli

    result = CliRunner().invoke(cli, ["search", "frivilligfest", "--db", str(search_db), "--format", "json", "--limit", "3"])
    assert result.exit_code == 0, result.output
    hits = json.loads(result.output)
    assert 1 <= len(hits) <= 3
    for key in ("source_file", "number", "title", "committee", "meeting_date", "first_page", "snippet", "score",
                "outcome", "municipality", "item_id"):
        assert key in hits[0]
    assert (hits[0]["source_file"], hits[0]["number"]) == ("capital-0009.pdf", 3)


def test_cli_table_and_csv(search_db):
    from pipeline.cli import cli

    out = CliRunner().invoke(cli, ["search", "klimatilpasing", "--db", str(search_db)]).output
    assert "søgte i stedet efter: klimatilpasning" in out and "capital-0002.pdf p." in out
    csv_out = CliRunner().invoke(cli, ["search", "27.00", "--db", str(search_db), "--format", "csv"]).output
    assert csv_out.splitlines()[0].startswith("item_id,source_file,number,title")
    assert len(csv_out.strip().splitlines()) == 3


def test_rebuild_is_idempotent(search_db, tmp_path):
    from pipeline.search.index import rebuild_index
    from pipeline.warehouse.db import connect

    copy = tmp_path / "copy.duckdb"
    shutil.copy(search_db, copy)
    con = connect(copy)
    before = con.execute("SELECT count(*), sum(impact) FROM search_postings").fetchone()
    rebuild_index(con)
    rebuild_index(con)
    after = con.execute("SELECT count(*), sum(impact) FROM search_postings").fetchone()
    assert before[0] == after[0] and before[1] == pytest.approx(after[1], rel=1e-6)
    assert con.execute("SELECT count(*) FROM search_items").fetchone()[0] == con.execute(
        "SELECT count(*) FROM agenda_items").fetchone()[0]
    con.close()
