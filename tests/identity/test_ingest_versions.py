"""End to end through `ingest_paths` and the CLI, on PDFs typeset in the test: Greve Byråd meets twice on
8 September 2025 (17.15 and 17.30); a kommissorium is published beside the minutes; the second meeting's
minutes are re-published with a corrected decision under the same name."""
from __future__ import annotations

import shutil

import pytest
from click.testing import CliRunner

from pipeline.cli import cli
from pipeline.ingest.service import ingest_paths
from pipeline.search.index import rebuild_index
from pipeline.warehouse.db import connect
from pipeline.warehouse.documents import search_documents
from pipeline.warehouse.integrity import check_warehouse
from identity_typeset import (FIRST_MEETING, KOMMISSORIUM_TITLE, SECOND_CORRECTED, SECOND_MEETING, kommissorium_lines,
                              minutes_lines, typeset)

TABLES = ("documents", "meetings", "agenda_items", "decisions", "attachments", "attendance", "document_versions",
          "document_pages", "document_links", "superseded_documents")


def counts(con) -> dict[str, int]:
    return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


def assert_clean(con):
    rebuild_index(con)
    problems = {k: v for k, v in check_warehouse(con).items() if v}
    assert not problems, problems


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("typeset")
    return {
        "first": typeset(folder / "byraad-1715.pdf", minutes_lines("17.15", FIRST_MEETING)),
        "second": typeset(folder / "byraad-1730.pdf", minutes_lines("17.30", SECOND_MEETING)),
        "second_corrected": typeset(folder / "byraad-1730-rettet.pdf", minutes_lines("17.30", SECOND_CORRECTED)),
        "kommissorium": typeset(folder / "kommissorium-klima.pdf", kommissorium_lines()),
    }


def test_same_day_meetings_attachment_and_corrected_version(tmp_path, pdfs):
    raw = tmp_path / "raw"
    raw.mkdir()
    db = tmp_path / "w.duckdb"
    con = connect(db)
    # the attachment arrives first: it is stored, but it is not a meeting
    shutil.copy(pdfs["kommissorium"], raw / "kommissorium-klima.pdf")
    report = ingest_paths([raw], con, workers=1)
    assert report.ingested == 1
    assert con.execute("SELECT doc_class, title FROM documents").fetchone() == ("kommissorium", KOMMISSORIUM_TITLE)
    assert con.execute("SELECT count(*) FROM meetings").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM agenda_items").fetchone()[0] == 0
    assert "stormflod" in con.execute("SELECT string_agg(text, ' ') FROM document_pages").fetchone()[0]
    # a meeting parse's warnings (no committee, no items, ...) do not apply to it
    assert con.execute("SELECT count(*) FROM parse_warnings").fetchone()[0] == 0
    assert con.execute("SELECT kind FROM meeting_events").fetchall() == [("not_minutes",)]  # listed by `quality`

    shutil.copy(pdfs["first"], raw / "byraad-1715.pdf")
    shutil.copy(pdfs["second"], raw / "byraad.pdf")
    report = ingest_paths([raw], con, workers=1)
    assert (report.ingested, report.skipped) == (2, 1)
    rows = con.execute("SELECT committee, CAST(meeting_date AS VARCHAR), start_time FROM meetings ORDER BY 3").fetchall()
    assert rows == [("Byrådet", "2025-09-08", "17:15"), ("Byrådet", "2025-09-08", "17:30")]
    # the kommissorium is linked to the item whose attachment list names it
    link = con.execute("""SELECT i.number, i.title, m.start_time FROM document_links l
                          JOIN agenda_items i USING (item_id) JOIN meetings m USING (meeting_id)""").fetchall()
    assert link == [(3, "Nedsættelse af udvalg om klimatilpasning", "17:30")]
    assert_clean(con)
    hits = search_documents(con, "stormflod")
    assert [h["doc_class"] for h in hits] == ["kommissorium"] and len(hits[0]["item_ids"]) == 1
    before = counts(con)

    # re-ingest: nothing changes
    report = ingest_paths([raw], con, workers=1)
    assert report.skipped == 3 and report.ingested == 0 and counts(con) == before

    # the 17.30 minutes re-published with a corrected decision under the same name
    first_meeting = con.execute("SELECT * FROM agenda_items i JOIN decisions USING (item_id) "
                                "WHERE i.source_file = 'byraad-1715.pdf' ORDER BY position").fetchall()
    old_sha = con.execute("SELECT doc_id FROM documents WHERE source_file = 'byraad.pdf'").fetchone()[0]
    shutil.copy(pdfs["second_corrected"], raw / "byraad.pdf")
    report = ingest_paths([raw], con, workers=1)
    assert report.ingested == 1
    after = counts(con)
    assert after["meetings"] == 2 and after["documents"] == 3 and after["superseded_documents"] == 1
    assert after["document_versions"] == before["document_versions"] + 1  # the old version stays as a row
    assert con.execute("SELECT * FROM agenda_items i JOIN decisions USING (item_id) "
                       "WHERE i.source_file = 'byraad-1715.pdf' ORDER BY position").fetchall() == first_meeting
    assert con.execute("SELECT d.text FROM decisions d JOIN agenda_items i USING (item_id) "
                       "WHERE i.number = 2 AND i.source_file = 'byraad.pdf'").fetchone()[0].startswith("Godkendt med")
    assert con.execute("SELECT status FROM document_versions WHERE doc_id = ?", [old_sha]).fetchone() == ("superseded",)
    assert con.execute("SELECT json_extract(changes, '$.decisions_changed') FROM document_versions "
                       "WHERE status = 'current' AND source_file = 'byraad.pdf'").fetchone()[0] == "[2]"
    assert after["document_links"] == 1  # the link follows the new version of the item
    assert_clean(con)
    con.close()

    result = CliRunner().invoke(cli, ["quality", "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert "replaced_at_path" in result.output and "decisions changed: 2" in result.output
    result = CliRunner().invoke(cli, ["check", "--db", str(db)])
    assert result.exit_code == 0 and "ok" in result.output, result.output
    assert_document_found_by_search(db)

    # the old bytes turn up again elsewhere: skipped, no flip-flop
    again = tmp_path / "again"
    again.mkdir()
    shutil.copy(pdfs["second"], again / "byraad-old.pdf")
    con = connect(db)
    report = ingest_paths([again], con, workers=1)
    assert [o.reason for o in report.outcomes] == ["superseded"]
    assert counts(con) == after
    con.close()


def test_check_reports_a_stale_search_index(tmp_path, pdfs):
    con = connect(tmp_path / "w.duckdb")
    ingest_paths([pdfs["first"]], con, workers=1)
    problems = check_warehouse(con)
    assert problems["search index missing (items not searchable)"] == 2
    rebuild_index(con)
    ingest_paths([pdfs["kommissorium"]], con, workers=1)  # loaded, index not refreshed
    assert check_warehouse(con)["documents missing from the search index"] == 1
    rebuild_index(con)
    assert not any(check_warehouse(con).values())
    con.close()


def assert_document_found_by_search(db):
    """`minutes search` and the JSON API list the kommissorium (no meeting, no items) with its page and item."""
    import json
    import threading
    import urllib.request

    from pipeline.web.server import make_server

    result = CliRunner().invoke(cli, ["search", "stormflod", "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert "other documents" in result.output and KOMMISSORIUM_TITLE in result.output and "p. 1" in result.output
    server = make_server(db, host="127.0.0.1", port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        with urllib.request.urlopen(url + "/api/search?q=stormflod", timeout=30) as response:
            documents = json.load(response)["documents"]
        assert [(d["doc_class"], d["page"], len(d["item_ids"])) for d in documents] == [("kommissorium", 1, 1)]
        assert "stormflod" in documents[0]["snippet"].lower()
        with urllib.request.urlopen(url + "/api/search?q=stormflod&committee=Byr", timeout=30) as response:
            assert json.load(response)["documents"] == []  # a filter that documents cannot meet
        with urllib.request.urlopen(url + "/?q=stormflod", timeout=30) as response:
            html = response.read().decode()
        assert "id='documents'" in html and f"/pdf/{documents[0]['doc_id']}#page=1" in html
    finally:
        server.shutdown()
        server.server_close()
