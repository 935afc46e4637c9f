"""`minutes ingest` with meeting JSON: folders, errors recorded, export for the scorer, one meeting from two channels."""
from __future__ import annotations

import json
import shutil

import pytest
from portal_paths import EDGE, FIXTURES, GREVE

from pipeline.ingest.service import discover, ingest_paths
from pipeline.warehouse.db import connect
from pipeline.warehouse.export import export_json

PAIR = "greve-kultur-og-fritidsudvalget-2022-03-21"


@pytest.fixture(scope="module")
def portal_warehouse(tmp_path_factory):
    folder = tmp_path_factory.mktemp("portal")
    con = connect(folder / "w.duckdb")
    report = ingest_paths([GREVE, EDGE], con, workers=1)
    yield con, report, folder
    con.close()


def test_folders_of_json_are_ingested_and_bad_files_recorded(portal_warehouse):
    con, report, _ = portal_warehouse
    found = {p.name for p in discover([EDGE])}
    assert "gold-like-not-a-meeting.json" not in found and "malformed.json" in found
    assert report.failed == 1 and report.ingested == len(list(GREVE.glob("*.json"))) + 3
    reason, detail = con.execute("SELECT reason, detail FROM ingest_errors WHERE source_file = 'malformed.json'").fetchone()
    assert reason == "malformed_json" and "line 1" in detail
    engines = {r[0] for r in con.execute("SELECT DISTINCT engine FROM documents").fetchall()}
    assert engines == {"portal_json"}
    items = con.execute("SELECT count(*) FROM agenda_items").fetchone()[0]
    assert items == sum(len(json.loads(p.read_text())["Dagsordenpunkter"]) for p in GREVE.glob("*.json")) + 6 + 2


def test_export_names_each_meeting_like_its_source(portal_warehouse, tmp_path):
    con, _, _ = portal_warehouse
    export_json(con, tmp_path)
    exported = json.loads((tmp_path / f"{PAIR}.json").read_text(encoding="utf-8"))
    assert exported["source_file"] == f"{PAIR}.json"
    assert exported["committee"] == "Kultur- og Fritidsudvalget" and exported["municipality"] == "Greve Kommune"
    assert [i["number"] for i in exported["items"]] == [1, 2, 3]


def test_votes_and_attachment_links_reach_the_warehouse(portal_warehouse):
    con, _, _ = portal_warehouse
    votes = con.execute("""SELECT d.votes_for, d.votes_against, d.outcome FROM decisions d
                           JOIN agenda_items i USING (item_id) WHERE i.title = 'Budget med tabel og lister'""").fetchone()
    assert votes == (["A", "F", "Ø"], ["V"], "approved")
    links = con.execute("SELECT text FROM item_sections WHERE kind = 'attachments' AND text LIKE '%Notat om status%'").fetchone()
    assert "/Vis/Pdf/bilag/" in links[0]


def test_reingesting_a_folder_skips_known_json(portal_warehouse):
    con, _, _ = portal_warehouse
    again = ingest_paths([GREVE], con, workers=1)
    assert again.ingested == 0 and again.skipped == len(list(GREVE.glob("*.json")))


def _ingest_pair(tmp_path, order):
    folder = tmp_path / "in"
    folder.mkdir()
    paths = {"pdf": FIXTURES / "pdf" / f"{PAIR}.pdf", "json": GREVE / f"{PAIR}.json"}
    con = connect(tmp_path / "pair.duckdb")
    for kind in order:
        target = folder / paths[kind].name
        shutil.copy(paths[kind], target)
        ingest_paths([target], con, workers=1)
    return con


@pytest.mark.parametrize("order", [("pdf", "json"), ("json", "pdf")])
def test_pdf_and_json_of_one_meeting_are_one_meeting(tmp_path, order):
    con = _ingest_pair(tmp_path, order)
    assert con.execute("SELECT count(*) FROM meetings").fetchone()[0] == 1
    assert con.execute("SELECT count(*) FROM agenda_items").fetchone()[0] == 3


@pytest.mark.parametrize("order", [("pdf", "json"), ("json", "pdf")])
def test_both_channels_recorded_and_the_structured_source_wins(tmp_path, order):
    con = _ingest_pair(tmp_path, order)
    assert con.execute("SELECT count(*) FROM documents").fetchone()[0] == 2  # both sources recorded
    engine = con.execute("SELECT d.engine FROM meetings m JOIN documents d USING (doc_id)").fetchone()[0]
    assert engine == "portal_json"  # the meeting's fields come from the structured source


@pytest.mark.parametrize("order", [("pdf", "json"), ("json", "pdf")])
def test_items_of_portal_data_cite_the_pages_of_the_meetings_pdf(tmp_path, order):
    """The JSON has no page numbers: items take them from the same meeting's PDF, and /pdf/<doc_id> of the
    portal document serves that PDF (never the JSON file as a PDF)."""
    import threading
    import urllib.error
    import urllib.request

    from pipeline.parse.parser import parse_document
    from pipeline.extract import extract_document
    from pipeline.ingest.service import sha256_of
    from pipeline.search.index import rebuild_index
    from pipeline.web.server import make_server

    con = _ingest_pair(tmp_path, order)
    pdf = FIXTURES / "pdf" / f"{PAIR}.pdf"
    printed = {item.number: (item.first_page, item.last_page)
               for item in parse_document(extract_document(pdf, sha256_of(pdf))).items}
    rows = con.execute("""SELECT i.number, i.first_page, i.last_page, d.channel FROM agenda_items i
                          JOIN documents d USING (doc_id) ORDER BY i.position""").fetchall()
    assert {r[3] for r in rows} == {"portal_json"}
    assert {r[0]: (r[1], r[2]) for r in rows} == printed
    json_doc = con.execute("SELECT doc_id FROM documents WHERE channel = 'portal_json'").fetchone()[0]
    rebuild_index(con)  # the server needs the search index (the CLI builds it after an ingest)
    server = make_server(con, host="127.0.0.1", port=0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/pdf/{json_doc}"
        with urllib.request.urlopen(url, timeout=30) as response:
            assert response.read() == pdf.read_bytes()
        meeting_id = con.execute("SELECT meeting_id FROM meetings").fetchone()[0]
        base = f"http://127.0.0.1:{server.server_address[1]}"
        with urllib.request.urlopen(f"{base}/moede/{meeting_id}", timeout=30) as response:
            html = response.read().decode()
        sources = html[html.index("id='sources'"):]  # both files of the meeting, the portal data shown
        assert "portaldata (FirstAgenda)" in sources and "vist her" in sources and f"{PAIR}.pdf" in sources
        assert "anden udgave af samme møde" in sources and "class='source-pdf'" in sources
        con.execute("DELETE FROM document_versions WHERE channel = 'pdf'")  # a meeting known only from the portal
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(url, timeout=30)
        assert refused.value.code == 404
    finally:
        server.shutdown()
        server.server_close()
    con.close()
