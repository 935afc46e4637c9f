"""Each version's parse lives in `version_contents` (schema.sql says why: DuckDB commits large rows into an indexed
table ~20x slower). A warehouse from before keeps it in `document_versions.content`: the first writer moves it,
nothing is lost, and later versions of its meetings are compared with the moved parses as before."""
from __future__ import annotations

import json

from identity_support import variant
from warehouse_snapshot import snapshot

from pipeline.model import Decision
from pipeline.warehouse.db import connect
from pipeline.warehouse.export import version_as_gold
from pipeline.warehouse.integrity import orphan_counts, version_problems
from pipeline.warehouse.load import load_document
from pipeline.warehouse.versions import stored_meetings

OEK = "greve-oekonomiudvalget-2022-01-10"
SOCIAL = "greve-social-og-handicapudvalget-2022-01-10"


def load(con, parsed):
    return load_document(con, parsed, f"/raw/{parsed.extracted.source_file}", 1000)


def columns(con, table: str) -> list[str]:
    return [r[0] for r in con.execute("SELECT column_name FROM information_schema.columns WHERE table_name = ? "
                                      "ORDER BY ordinal_position", [table]).fetchall()]


def to_old_layout(db) -> None:
    """What a warehouse made before version_contents looks like: the parse as the last column of its version."""
    con = connect(db)
    con.execute("ALTER TABLE document_versions ADD COLUMN content JSON")
    con.execute("UPDATE document_versions SET content = c.content FROM version_contents c "
                "WHERE c.doc_id = document_versions.doc_id")
    con.execute("DROP TABLE version_contents")
    con.execute("CHECKPOINT")
    con.close()


def corrected(parsed, tag):
    fixed = variant(parsed, tag)
    fixed.meeting.items[1].decision = Decision("Godkendt med den rettelse, at fristen er 1. marts.", "approved_with_changes")
    return fixed


def test_a_version_keeps_its_parse_apart_and_reads_it_back(tmp_path, greve_parsed):
    con = connect(tmp_path / "w.duckdb")
    first = greve_parsed[OEK]
    load(con, first)
    assert "content" not in columns(con, "document_versions")
    kept = stored_meetings(con, [first.extracted.sha256])[first.extracted.sha256]
    assert kept == first.meeting
    fixed = corrected(first, "c")
    load(con, fixed)  # a new version: compared with the kept parse of the first
    changes = json.loads(con.execute("SELECT changes FROM meeting_events WHERE kind = 'new_version'").fetchone()[0])
    assert changes["decisions_changed"] == [first.meeting.items[1].number]
    assert version_as_gold(con, first.extracted.sha256)["items"][1]["decision"] == first.meeting.items[1].decision.text
    problems = {**orphan_counts(con), **version_problems(con)}
    assert not any(problems.values()), {k: v for k, v in problems.items() if v}
    con.close()


def test_an_old_warehouse_is_moved_on_the_first_write_and_nothing_is_lost(tmp_path, greve_parsed):
    db = tmp_path / "w.duckdb"
    con = connect(db)
    load(con, greve_parsed[OEK])
    load(con, greve_parsed[SOCIAL])
    con.close()
    before = snapshot(db)
    to_old_layout(db)

    reader = connect(db, read_only=True)  # a reader cannot move it, but still finds every parse
    assert "content" in columns(reader, "document_versions")
    doc = greve_parsed[OEK].extracted.sha256
    assert stored_meetings(reader, [doc])[doc] == greve_parsed[OEK].meeting
    reader.close()

    con = connect(db)  # the first writer moves the parses
    assert "content" not in columns(con, "document_versions")
    con.close()
    assert snapshot(db) == before
    con = connect(db)  # and a second open finds nothing to move
    fixed = corrected(greve_parsed[OEK], "c")
    load(con, fixed)  # a new version of a moved meeting is compared with its moved parse
    changes = json.loads(con.execute("SELECT changes FROM meeting_events WHERE kind = 'new_version'").fetchone()[0])
    assert changes["decisions_changed"] == [greve_parsed[OEK].meeting.items[1].number]
    problems = {**orphan_counts(con), **version_problems(con)}
    assert not any(problems.values()), {k: v for k, v in problems.items() if v}
    con.close()


def test_a_version_without_its_parse_is_reported(tmp_path, greve_parsed):
    con = connect(tmp_path / "w.duckdb")
    load(con, greve_parsed[OEK])
    con.execute("DELETE FROM version_contents")
    assert version_problems(con)["version without its stored parse"] == 1
    con.close()
