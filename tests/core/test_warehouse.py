"""Warehouse and ingest: row counts, idempotent re-ingest, replacing a changed file, exports, CLI."""
from __future__ import annotations

import json
import shutil

import duckdb
import pytest
from click.testing import CliRunner

from core_support import (FIXTURES, TABLES, WAREHOUSE_STEMS, absent_names, align_items, f1, field_match, load_gold,
                          norm_list_entry, table_counts)
from pipeline.cli import cli
from pipeline.ingest.service import ingest_paths
from pipeline.warehouse.db import connect
from pipeline.warehouse.integrity import orphan_counts, version_problems


def copy_db(warehouse, tmp_path):
    target = tmp_path / "copy.duckdb"
    shutil.copy(warehouse["db"], target)
    return target


def test_ingest_row_counts(warehouse):
    report, counts = warehouse["report"], warehouse["counts"]
    assert report.found == len(WAREHOUSE_STEMS)
    assert report.ingested == len(WAREHOUSE_STEMS) and report.failed == 0
    gold = {stem: load_gold(stem) for stem in WAREHOUSE_STEMS}
    assert counts["documents"] == counts["meetings"] == len(WAREHOUSE_STEMS)
    assert counts["agenda_items"] == sum(len(g["items"]) for g in gold.values())
    assert counts["decisions"] == counts["agenda_items"]  # one row per item, 'none' for no decision
    assert counts["meeting_members"] == sum(len(g["members"]) for g in gold.values())
    assert counts["ingest_errors"] == 0
    assert counts["attachments"] > 0 and counts["item_sections"] > counts["agenda_items"]
    assert counts["decision_notes"] >= 2  # classic-0005 items 112 and 113
    con = duckdb.connect(str(warehouse["db"]), read_only=True)
    try:
        pages = dict(con.execute("SELECT source_file, pages FROM documents").fetchall())
        assert pages["classic-0005.pdf"] == 8 and pages["capital-0008.pdf"] == 5
        per_doc = dict(con.execute("SELECT source_file, count(*) FROM agenda_items GROUP BY 1").fetchall())
        assert per_doc == {f"{s}.pdf": len(gold[s]["items"]) for s in WAREHOUSE_STEMS}
        assert con.execute("SELECT count(*) FROM attendance WHERE status = 'absent'").fetchone()[0] >= 6 + 1 + 3
    finally:
        con.close()


def test_every_item_has_source_and_pages(warehouse):
    con = duckdb.connect(str(warehouse["db"]), read_only=True)
    try:
        bad = con.execute("""SELECT i.item_id FROM agenda_items i JOIN documents d USING (doc_id)
                             WHERE i.source_file IS NULL OR i.source_file <> d.source_file
                                OR i.first_page IS NULL OR i.last_page IS NULL
                                OR i.first_page < 1 OR i.last_page < i.first_page OR i.last_page > d.pages""").fetchall()
        assert bad == []
        assert all(v == 0 for v in orphan_counts(con).values())
    finally:
        con.close()


def test_ingesting_twice_changes_nothing(warehouse, tmp_path):
    db = copy_db(warehouse, tmp_path)
    con = connect(db)
    report = ingest_paths([warehouse["raw"]], con, workers=1)
    assert report.skipped == len(WAREHOUSE_STEMS) and report.ingested == 0 and report.failed == 0
    assert {o.reason for o in report.outcomes} == {"already_ingested"}
    assert table_counts(con) == warehouse["counts"]
    con.close()


def test_changed_file_at_same_path_replaces_old_rows(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    target = raw / "meeting.pdf"
    shutil.copy(FIXTURES / "greve-oekonomiudvalget-2022-01-10.pdf", target)
    con = connect(tmp_path / "w.duckdb")
    first = ingest_paths([raw], con, workers=1)
    assert first.ingested == 1
    old_id = first.outcomes[0].doc_id
    old_items = con.execute("SELECT count(*) FROM agenda_items WHERE doc_id = ?", [old_id]).fetchone()[0]
    assert old_items == 4
    shutil.copy(FIXTURES / "east-0006.pdf", target)  # a corrected/other PDF arrives under the same name
    second = ingest_paths([raw], con, workers=1)
    assert second.ingested == 1
    new_id = second.outcomes[0].doc_id
    assert new_id != old_id
    for table in ("documents", "meetings", "agenda_items", "parse_warnings"):
        assert con.execute(f"SELECT count(*) FROM {table} WHERE doc_id = ?", [old_id]).fetchone()[0] == 0, table
    assert con.execute("SELECT count(*) FROM documents").fetchone()[0] == 1
    assert con.execute("SELECT count(*) FROM agenda_items").fetchone()[0] == len(load_gold("east-0006")["items"])
    assert con.execute("SELECT count(*) FROM meeting_members WHERE name = 'Mehmet Zeki Dogru'").fetchone()[0] == 0
    assert all(v == 0 for v in orphan_counts(con).values()), orphan_counts(con)
    # nothing replaced without a row saying so: the old file is a superseded version, and an event names it
    assert con.execute("SELECT status, superseded_by FROM document_versions WHERE doc_id = ?", [old_id]).fetchone() \
        == ("superseded", new_id)
    assert con.execute("SELECT kind, doc_id, replaced_doc_id FROM meeting_events").fetchall() == [
        ("replaced_at_path", new_id, old_id), ("meeting_removed", new_id, None)]
    assert not any(version_problems(con).values())
    con.close()


def test_every_document_is_the_current_version_of_its_meeting(warehouse):
    con = duckdb.connect(str(warehouse["db"]), read_only=True)
    try:
        rows = con.execute("""SELECT d.source_file, d.doc_class, d.channel, v.status, m.document_type
                              FROM documents d JOIN document_versions v USING (doc_id)
                              JOIN meetings m ON m.meeting_id = v.meeting_id AND m.doc_id = d.doc_id""").fetchall()
        assert len(rows) == len(WAREHOUSE_STEMS)
        for source_file, doc_class, channel, status, document_type in rows:
            assert (doc_class, channel, status) == (load_gold(source_file[:-4])["document_type"], "pdf", "current")
            assert document_type == doc_class
        assert not any(version_problems(con).values())
        assert con.execute("SELECT count(*) FROM meeting_events").fetchone()[0] == 0
    finally:
        con.close()


@pytest.fixture(scope="module")
def json_export(warehouse, tmp_path_factory):
    out = tmp_path_factory.mktemp("export_json")
    result = CliRunner().invoke(cli, ["export", "--db", str(warehouse["db"]), "--format", "json", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in out.glob("*.json")}


def test_export_json_one_file_per_document(json_export):
    assert sorted(json_export) == sorted(WAREHOUSE_STEMS)
    for stem, doc in json_export.items():
        assert doc["source_file"] == f"{stem}.pdf"
        assert {"municipality", "committee", "meeting_date", "members", "absent", "items"} <= set(doc)


@pytest.mark.parametrize("field", ["committee", "meeting_date", "start_time", "municipality"])
def test_export_json_meeting_fields_score_against_gold(json_export, field):
    scored = [field_match(field, load_gold(s), json_export[s]) for s in WAREHOUSE_STEMS if field in load_gold(s)]
    assert scored and sum(scored) / len(scored) == 1.0


@pytest.mark.parametrize("field", ["title", "case_number", "first_page", "last_page", "decision_outcome", "votes"])
def test_export_json_item_fields_score_against_gold(json_export, field):
    hits = total = 0
    misses = []
    for stem in WAREHOUSE_STEMS:
        for g, p in align_items(load_gold(stem)["items"], json_export[stem]["items"]):
            if field not in g:
                continue
            total += 1
            if field_match(field, g, p):
                hits += 1
            else:
                misses.append(f"{stem} {g['number']}: {g[field]!r} vs {(p or {}).get(field)!r}")
    assert total and hits / total >= 0.95, misses


def test_export_json_people_and_attachments(json_export):
    members, absent, attachments = [], [], []
    for stem in WAREHOUSE_STEMS:
        gold, pred = load_gold(stem), json_export[stem]
        members.append(f1(gold["members"], pred["members"]))
        absent.append(f1(absent_names(gold["absent"]), absent_names(pred["absent"])))
        for g, p in align_items(gold["items"], pred["items"]):
            attachments.append(f1(g["attachments"], (p or {}).get("attachments"), key=norm_list_entry))
            absent.append(f1(g["absent"], (p or {}).get("absent")))
    assert sum(members) / len(members) == 1.0
    assert sum(absent) / len(absent) >= 0.95
    assert sum(attachments) / len(attachments) >= 0.9


def test_sql_json_output_is_parseable(warehouse):
    result = CliRunner().invoke(cli, ["sql", "SELECT committee, count(*) AS n FROM decisions_overview "
                                      "GROUP BY committee ORDER BY committee", "--db", str(warehouse["db"]),
                                      "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert {r["committee"] for r in rows} >= {"Økonomiudvalget", "Klima- og Miljøudvalget"}
    assert sum(r["n"] for r in rows) == warehouse["counts"]["agenda_items"]


def test_sql_error_is_reported(warehouse):
    result = CliRunner().invoke(cli, ["sql", "SELECT * FROM no_such_table", "--db", str(warehouse["db"])])
    assert result.exit_code != 0 and "no_such_table" in result.output


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_export_tables(warehouse, tmp_path, fmt):
    result = CliRunner().invoke(cli, ["export", "--db", str(warehouse["db"]), "--format", fmt, "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"{t}.{fmt}" for t in TABLES)
    reader = "read_csv_auto" if fmt == "csv" else "read_parquet"
    con = duckdb.connect()
    for table in ("agenda_items", "meetings", "decisions"):
        n = con.execute(f"SELECT count(*) FROM {reader}('{(tmp_path / f'{table}.{fmt}').as_posix()}')").fetchone()[0]
        assert n == warehouse["counts"][table], table


def test_cli_check_and_stats(warehouse, tmp_path):
    from pipeline.search.index import rebuild_index

    runner = CliRunner()
    indexed, broken = copy_db(warehouse, tmp_path), tmp_path / "broken.duckdb"
    con = connect(indexed)
    rebuild_index(con)
    con.close()
    shutil.copy(indexed, broken)
    con = connect(broken)
    con.execute("DELETE FROM search_items WHERE sid = (SELECT min(sid) FROM search_items)")  # an item not searchable
    con.close()
    result = runner.invoke(cli, ["check", "--db", str(indexed)])
    assert result.exit_code == 0 and "ok" in result.output, result.output
    result = runner.invoke(cli, ["check", "--db", str(broken)])
    assert result.exit_code == 1, result.output
    result = runner.invoke(cli, ["stats", "--db", str(warehouse["db"])])
    assert result.exit_code == 0
    assert f"agenda_items     {warehouse['counts']['agenda_items']:>8}" in result.output
