"""A journalist's questions: the hit set is what the items' text mentions (rules written per query in
journalist_queries.json), counts are exact, case numbers are identifiers, snippets cite their page."""
from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner

from pipeline.search.engine import Filters, search
from pipeline.search.evaluate import evaluate_sets, item_texts, relevant_items, set_summary

from search_paths import FIXTURES, JOURNALIST_QUERIES


@pytest.fixture(scope="module")
def journalist_queries():
    return json.loads(JOURNALIST_QUERIES.read_text(encoding="utf-8"))


def test_query_set_is_written_down(journalist_queries):
    assert len(journalist_queries) >= 40
    for q in journalist_queries:
        assert q["query"] and ("mentions" in q or "case_number" in q), q


def test_result_sets_are_precise_and_complete(greve_con, journalist_queries):
    scores = evaluate_sets(greve_con, journalist_queries)
    summary = set_summary(scores)
    judged = [s for s in scores if s.relevant or s.returned]
    assert len(judged) >= 30, "the fixture must exercise most queries"
    assert summary["precision"] >= 0.95, [(s.query, s.relevant, s.returned, s.correct) for s in scores if s.precision and s.precision < 1]
    assert summary["recall"] >= 0.95, [(s.query, s.relevant, s.returned, s.correct) for s in scores if s.recall is not None and s.recall < 1]
    assert summary["top20_precision"] >= 0.95


def test_loose_matches_are_gone(greve_con):
    texts = item_texts(greve_con)
    # lokalplan matches its compounds, never another plan
    hits = search(greve_con, "lokalplan", limit=200, snippets=False).hits
    assert hits and all("lokalplan" in texts[h.item_id][0].lower() for h in hits)
    # "Enhedslisten" is never "huskeliste"
    result = search(greve_con, "Enhedslisten", limit=50)
    assert all("enhedslist" in texts[h.item_id][0].lower() for h in result.hits)
    assert all("huskeliste" not in h.snippet.lower().replace("«", "").replace("»", "") or "enhedslist" in h.snippet.lower()
               for h in result.hits)


def test_all_words_must_match_unless_or(greve_con):
    both = search(greve_con, "budget skole", limit=1, snippets=False).total
    budget = search(greve_con, "budget", limit=1, snippets=False).total
    skole = search(greve_con, "skole", limit=1, snippets=False).total
    either = search(greve_con, "budget OR skole", limit=1, snippets=False).total
    assert 0 < both < min(budget, skole) and either > max(budget, skole)


def test_total_equals_the_set(greve_con):
    result = search(greve_con, "borgmester", limit=1000, snippets=False)
    assert result.total == len(result.hits) > 0
    assert result.total == sum(n for _, n in result.facets["committee"]) == sum(n for _, n in result.facets["year"])


def test_unknown_word_gives_no_hits_and_a_suggestion(greve_con):
    result = search(greve_con, "skolereform")
    assert result.total == 0 and result.hits == []
    result = search(greve_con, "fjernvarne")  # one letter off a long word: corrected and said so
    assert result.corrected_query == "fjernvarme" and result.total > 0
    result = search(greve_con, "klimatlpasnig")
    assert result.total == 0 and result.suggestion == "klimatilpasning"


def test_case_numbers_in_any_printed_form(greve_con):
    for typed in ("22-013125", "22/013125", "22.013125"):
        hits = search(greve_con, typed, limit=20).hits
        assert hits and {h.case_number for h in hits} == {"22-013125"}, typed
    # never tokenised into number fragments: a case number that does not exist finds nothing
    assert search(greve_con, "22-999999").total == 0
    assert {h.case_number for h in search(greve_con, "20-010677k", limit=20).hits} == {"20-010677K"}


def test_phrase_is_matched_and_highlighted_as_one(greve_con):
    result = search(greve_con, '"taget til efterretning"', limit=5)
    assert result.total > 0
    for hit in result.hits:
        assert any(marked and " ".join(text.lower().split()) == "taget til efterretning"
                   for text, marked in hit.snippet_segments)


def test_snippet_cites_the_page_it_comes_from(greve_con, greve_db):
    import pypdfium2

    cited = 0
    for query in ("Mosede Fort", "vejbelysning", "genbrugspladsgebyrer"):
        for hit in search(greve_con, query, limit=5).hits:
            path = greve_con.execute("SELECT source_path FROM documents WHERE doc_id = ?", [hit.doc_id]).fetchone()[0]
            pdf = pypdfium2.PdfDocument(path)
            page_text = " ".join(pdf[hit.snippet_page - 1].get_textpage().get_text_range().split()).lower()
            marked = [t for t, m in hit.snippet_segments if m]
            if not marked:  # the match is in the title only: the item's first page is cited
                assert hit.snippet_page == hit.first_page and query.split()[0].lower() in hit.title.lower()
                cited += 1
                continue
            cited += 1
            assert all(" ".join(t.lower().split()) in page_text for t in marked), (query, hit.snippet_page, marked)
            pdf.close()
    assert cited >= 5


def test_facets_filter_and_sort(greve_con):
    result = search(greve_con, "lokalplan", limit=20, sort="date")
    committees = dict(result.facets["committee"])
    assert committees and sum(committees.values()) == result.total
    dates = [h.meeting_date for h in result.hits]
    assert dates == sorted(dates, reverse=True)
    name, n = result.facets["committee"][0]
    assert search(greve_con, "lokalplan", Filters(committee=name), limit=1).total == n
    outcome, n = result.facets["outcome"][0]
    assert search(greve_con, "lokalplan", Filters(outcome=outcome), limit=1).total == n


def test_incremental_update_equals_rebuild(greve_db, tmp_path):
    """Ingest adds documents -> update_index touches only them; the result equals a full rebuild."""
    from pipeline.cli import cli
    from pipeline.search.index import index_is_complete, rebuild_index, update_index
    from pipeline.warehouse.db import connect

    db = tmp_path / "inc.duckdb"
    shutil.copy(greve_db, db)
    folder = tmp_path / "new"
    folder.mkdir()
    shutil.copy(FIXTURES / "capital-0009.pdf", folder)
    result = CliRunner().invoke(cli, ["ingest", str(folder), "--db", str(db), "--no-progress"])
    assert result.exit_code == 0, result.output
    con = connect(db)
    assert index_is_complete(con)
    queries = ["frivilligfest", "lokalplan", "budget skole", '"taget til efterretning"', "22-013125", "kommune"]

    def answers():
        return {q: (r.total, sorted(h.item_id for h in r.hits)) for q in queries
                for r in [search(con, q, limit=1000, snippets=False)]}

    incremental = answers()
    assert incremental["frivilligfest"][0] >= 1
    rebuild_index(con)
    assert answers() == incremental
    # a document that disappears from the warehouse leaves the index too
    con.execute("DELETE FROM agenda_items WHERE source_file = 'capital-0009.pdf'")
    assert not index_is_complete(con)
    assert update_index(con)["removed"] > 0 and index_is_complete(con)
    assert search(con, "frivilligfest").total == 0
    after_delete = answers()
    rebuild_index(con)
    assert answers() == after_delete
    con.close()


def test_cli_reports_expansions_and_suggestions(greve_db):
    from pipeline.cli import cli

    out = CliRunner().invoke(cli, ["search", "klimatlpasnig", "--db", str(greve_db)]).output
    assert "0 hits" in out and "mente du: klimatilpasning?" in out
    out = CliRunner().invoke(cli, ["search", "22-013125", "--db", str(greve_db)]).output
    assert "sag 22-013125" in out and "committee:" in out
    out = CliRunner().invoke(cli, ["search", " ".join(f"ord{i}" for i in range(70)), "--db", str(greve_db)])
    assert out.exit_code != 0 and "for mange ord" in out.output
