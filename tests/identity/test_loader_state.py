"""What the loader keeps between documents: its copy of the members table matches the table, row for row and
in scan order, and a load that fails leaves no trace of its members in it."""
from __future__ import annotations

import duckdb
import pytest

from pipeline.warehouse import load
from pipeline.warehouse.db import connect

OEK = "greve-oekonomiudvalget-2022-01-10"
SOCIAL = "greve-social-og-handicapudvalget-2022-01-10"


def stored_members(con) -> list[tuple]:
    """The members table as member_ids would read it without a copy (scan order)."""
    return [(mid, (name, list(spellings)))
            for mid, name, spellings in con.execute("SELECT member_id, name, spellings FROM members").fetchall()]


def test_member_copy_follows_new_members_and_spellings(tmp_path):
    """New spellings move a member to the end of a scan (DuckDB rewrites the row); the copy moves it too, so
    fuzzy-match ties are decided as if the table had been read."""
    con = connect(tmp_path / "w.duckdb")
    batches = [["Pernille Beckmann", "Peter Jørgensen", "Kasper Ejsing Olesen"],
               ["Pernille Bekmann", "Anna Hansen", "Peter Jørgensen"],
               ["Peter Jörgensen", "Pernille Beckman", "Anna Hansen", "Bo Holm"],
               ["Kasper Ejsing Olesen", "Peter Jorgensen", "Pernille Bekmann"]]
    for names in batches:
        ids = load.member_ids(con, names)
        assert set(ids) == set(names)
        assert list(load._members(con).rows.items()) == stored_members(con)
    assert any(len(spellings) > 1 for _, (_, spellings) in stored_members(con))  # spellings were added
    con.close()


def test_failed_load_leaves_no_members_behind(tmp_path, greve_parsed, monkeypatch):
    """A load that fails after writing members rolls them back, and the copy forgets them: loading the document
    again stores them as a load that never failed does."""
    reference = connect(tmp_path / "reference.duckdb")
    for stem in (OEK, SOCIAL):
        load.load_document(reference, greve_parsed[stem], f"/raw/{stem}.pdf", 1000)
    con = connect(tmp_path / "w.duckdb")
    load.load_document(con, greve_parsed[OEK], f"/raw/{OEK}.pdf", 1000)
    with monkeypatch.context() as patch:
        def fail(*args):
            raise RuntimeError("disk gone")

        patch.setattr(load, "link_meeting", fail)  # after the meeting's members were written
        with pytest.raises(RuntimeError):
            load.load_document(con, greve_parsed[SOCIAL], f"/raw/{SOCIAL}.pdf", 1000)
    assert con.execute("SELECT count(*) FROM documents").fetchone()[0] == 1
    load.load_document(con, greve_parsed[SOCIAL], f"/raw/{SOCIAL}.pdf", 1000)
    assert sorted(stored_members(con)) == sorted(stored_members(reference))
    assert con.execute("SELECT count(*) FROM attendance WHERE member_id NOT IN (SELECT member_id FROM members)"
                       ).fetchone()[0] == 0
    reference.close()
    con.close()


def test_failed_insert_of_a_meeting_leaves_the_optimizer_on(tmp_path, greve_parsed, monkeypatch):
    """A meeting's rows are inserted without DuckDB's optimizer (bulk.optimizer_off); an insert that fails
    there aborts the transaction, and load_document turns the optimizer back on after its ROLLBACK."""
    con = connect(tmp_path / "w.duckdb")
    item_rows = load._item_rows

    def broken(*args):
        rows = item_rows(*args)
        rows["agenda_items"][0][6] = None  # title NOT NULL: DuckDB refuses the insert
        return rows

    with monkeypatch.context() as patch:
        patch.setattr(load, "_item_rows", broken)
        with pytest.raises(duckdb.ConstraintException):
            load.load_document(con, greve_parsed[OEK], f"/raw/{OEK}.pdf", 1000)
    assert "FILTER" not in con.execute("EXPLAIN SELECT doc_id FROM documents WHERE doc_id = 'x'").fetchall()[0][1]
    load.load_document(con, greve_parsed[OEK], f"/raw/{OEK}.pdf", 1000)
    assert con.execute("SELECT count(*) FROM agenda_items").fetchone()[0] == len(greve_parsed[OEK].meeting.items)
    con.close()
