"""Meeting identity and versions on real Greve PDFs (parsed once) and variants of them as other files.

Two meetings of one committee on one day stay two; a corrected re-publication is a version of its meeting
only; agenda and minutes are one meeting with the minutes current; a portal's structured data and the PDF of
one meeting are one meeting in either order. Every test ends with the warehouse consistent.
"""
from __future__ import annotations

import copy
import json

import pytest

from identity_support import variant
from pipeline.model import Decision
from pipeline.warehouse.db import connect
from pipeline.warehouse.export import export_json
from pipeline.warehouse.integrity import orphan_counts, version_problems
from pipeline.warehouse.load import load_document

OEK = "greve-oekonomiudvalget-2022-01-10"
SOCIAL = "greve-social-og-handicapudvalget-2022-01-10"


@pytest.fixture
def con(tmp_path):
    con = connect(tmp_path / "w.duckdb")
    yield con
    con.close()


def load(con, parsed, path=None):
    return load_document(con, parsed, path or f"/raw/{parsed.extracted.source_file}", 1000)


def assert_consistent(con):
    problems = {**orphan_counts(con), **version_problems(con)}
    assert not any(problems.values()), {k: v for k, v in problems.items() if v}


def meetings(con):
    return con.execute("SELECT meeting_id, doc_id, committee, CAST(meeting_date AS VARCHAR), start_time, end_time, "
                       "location FROM meetings ORDER BY start_time").fetchall()


def versions(con):
    return dict(((d, (m, s, c)) for d, m, s, c in con.execute(
        "SELECT doc_id, meeting_id, status, channel FROM document_versions").fetchall()))


def second_meeting(greve_parsed, tag="b", start="17:30"):
    """The Økonomiudvalget meets again the same day at another time, with other business."""
    other = variant(greve_parsed[OEK], tag, start_time=start)
    other.meeting.items = copy.deepcopy(greve_parsed[SOCIAL].meeting.items)
    return other


def test_two_meetings_of_one_committee_on_one_day_stay_two(con, greve_parsed):
    first, second = greve_parsed[OEK], second_meeting(greve_parsed)
    mid1, mid2 = load(con, first), load(con, second)
    assert mid1 != mid2
    rows = meetings(con)
    assert [(r[2], r[3], r[4]) for r in rows] == [("Økonomiudvalget", "2022-01-10", "07:45"),
                                                    ("Økonomiudvalget", "2022-01-10", "17:30")]
    assert con.execute("SELECT count(*) FROM superseded_documents").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM agenda_items").fetchone()[0] == 4 + 8
    assert {s for _, s, _ in versions(con).values()} == {"current"}
    assert con.execute("SELECT count(*) FROM meeting_events").fetchone()[0] == 0
    assert_consistent(con)


def corrected(parsed, tag):
    """A re-published version: one decision corrected, one item added."""
    fixed = variant(parsed, tag)
    fixed.meeting.items[1].decision = Decision("Godkendt med den rettelse, at fristen er 1. marts.", "approved_with_changes")
    extra = copy.deepcopy(fixed.meeting.items[-1])
    extra.number, extra.title, extra.position = 99, "Tillæg: Ekstra bevilling til vintervedligehold", len(fixed.meeting.items)
    fixed.meeting.items.append(extra)
    return fixed


def test_corrected_version_replaces_only_its_meeting_and_is_recorded(con, greve_parsed):
    first, second = greve_parsed[OEK], second_meeting(greve_parsed)
    mid1, mid2 = load(con, first), load(con, second)
    untouched = con.execute("SELECT * FROM agenda_items WHERE meeting_id = ? ORDER BY position", [mid1]).fetchall()
    fixed = corrected(second, "c")
    assert load(con, fixed) == mid2
    assert len(meetings(con)) == 2
    assert con.execute("SELECT * FROM agenda_items WHERE meeting_id = ? ORDER BY position", [mid1]).fetchall() == untouched
    v = versions(con)
    assert v[second.extracted.sha256] == (mid2, "superseded", "pdf") and v[fixed.extracted.sha256] == (mid2, "current", "pdf")
    assert con.execute("SELECT superseded_by FROM superseded_documents WHERE doc_id = ?",
                       [second.extracted.sha256]).fetchone() == (fixed.extracted.sha256,)
    kind, replaced, summary, changes = con.execute(
        "SELECT kind, replaced_doc_id, summary, changes FROM meeting_events").fetchone()
    assert (kind, replaced) == ("new_version", second.extracted.sha256)
    changes = json.loads(changes)
    assert changes["items_added"] == [99] and changes["decisions_changed"] == [2]
    assert "items added: 99" in summary
    # the old version stays queryable: its parse is kept in version_contents
    old_decision = con.execute("SELECT json_extract_string(content, '$.items[1].decision.text') FROM version_contents "
                               "WHERE doc_id = ?", [second.extracted.sha256]).fetchone()[0]
    assert old_decision == second.meeting.items[1].decision.text
    assert con.execute("SELECT count(*) FROM agenda_items WHERE meeting_id = ?", [mid2]).fetchone()[0] == 9
    assert_consistent(con)


def test_without_start_time_the_content_decides(con, greve_parsed):
    first, second = greve_parsed[OEK], second_meeting(greve_parsed)
    mid1, mid2 = load(con, first), load(con, second)
    # the minutes of the second meeting re-published without a printed start time: same items -> same meeting
    untimed = variant(second, "d", start_time=None)
    assert load(con, untimed) == mid2
    assert versions(con)[second.extracted.sha256][1] == "superseded"
    # a third meeting that day, no start time, other business: a meeting of its own
    third = variant(greve_parsed[OEK], "e", start_time=None)
    third.meeting.items = [i for i in copy.deepcopy(greve_parsed[SOCIAL].meeting.items) if i.number in (1, 3, 4)]
    third.meeting.items[1].title = "Budgetopfølgning efter 3. kvartal"
    third.meeting.items[2].title = "Anlægsplan for daginstitutioner"
    mid3 = load(con, third)
    assert len({mid1, mid2, mid3}) == 3 and len(meetings(con)) == 3
    assert_consistent(con)


def test_extraordinary_meeting_is_another_meeting(con, greve_parsed, monkeypatch):
    import pipeline.warehouse.load as loader
    from pipeline.classify import DocumentFacts, classify_document

    first = greve_parsed[OEK]
    extra = variant(first, "f", start_time=None)
    extra.meeting.items = extra.meeting.items[:1]  # only 'Godkendelse af dagsorden': nothing specific to compare
    load(con, first)

    def with_marker(parsed):
        facts = classify_document(parsed)
        return DocumentFacts(facts.doc_class, facts.title, "ekstraordinær" if parsed is extra else facts.marker)

    monkeypatch.setattr(loader, "classify_document", with_marker)
    load(con, extra)
    assert len(meetings(con)) == 2
    assert_consistent(con)


def agenda_of(parsed, tag):
    """The agenda of a meeting: same items, no decisions yet."""
    agenda = variant(parsed, tag, document_type="dagsorden", end_time=None)
    for item in agenda.meeting.items:
        item.decision = None
    return agenda


@pytest.mark.parametrize("order", ["agenda_first", "minutes_first"])
def test_agenda_and_minutes_are_one_meeting_with_the_minutes_current(con, greve_parsed, order):
    minutes = greve_parsed[OEK]
    agenda = agenda_of(minutes, "a")
    docs = [agenda, minutes] if order == "agenda_first" else [minutes, agenda]
    mids = {load(con, d) for d in docs}
    assert len(mids) == 1 and len(meetings(con)) == 1
    (mid,) = mids
    v = versions(con)
    assert v[minutes.extracted.sha256] == (mid, "current", "pdf") and v[agenda.extracted.sha256] == (mid, "source", "pdf")
    assert con.execute("SELECT document_type, doc_id FROM meetings").fetchone() == ("referat", minutes.extracted.sha256)
    assert con.execute("SELECT count(*) FROM documents").fetchone()[0] == 2  # the agenda is kept, not replaced
    assert con.execute("SELECT count(*) FROM decisions WHERE outcome <> 'none'").fetchone()[0] > 0
    kinds = [r[0] for r in con.execute("SELECT kind FROM meeting_events").fetchall()]
    assert kinds == (["agenda_to_minutes"] if order == "agenda_first" else ["source_added"])
    assert_consistent(con)


def portal_copy(parsed, tag, **fields):
    """The same meeting as a portal's structured data would give it (issue 13's reader yields a ParsedDocument)."""
    portal = variant(parsed, tag, **fields)
    portal.source_kind = "portal_json"
    return portal


@pytest.mark.parametrize("order", ["pdf_first", "portal_first"])
def test_pdf_and_portal_data_are_one_meeting_in_either_order(tmp_path, greve_parsed, order):
    pdf = variant(greve_parsed[OEK], "p", start_time=None, end_time="09:10", location="Biblioteket")
    portal = portal_copy(greve_parsed[OEK], "j", start_time="07:45", end_time=None, location="Mødelokale 1")
    portal.extracted.source_file = portal.meeting.source_file = "p.json"  # the portal's file for the same meeting
    results = {}
    for run in ("pdf_first", "portal_first"):
        con = connect(tmp_path / f"{run}.duckdb")
        docs = [pdf, portal] if run == "pdf_first" else [portal, pdf]
        ids = [load(con, d) for d in docs]
        assert len(meetings(con)) == 1 and ids[-1] == meetings(con)[0][0]
        results[run] = (meetings(con), versions(con),
                        con.execute("SELECT count(*) FROM agenda_items").fetchone()[0],
                        [r[0] for r in con.execute("SELECT kind FROM meeting_events").fetchall()])
        assert_consistent(con)
        out = tmp_path / f"export-{run}"
        assert export_json(con, out) == 2  # both sources exported: the PDF keeps its stem
        assert sorted(p.name for p in out.iterdir()) == ["p.json", "p.portal_json.json"]
        assert json.loads((out / "p.json").read_text(encoding="utf-8"))["location"] == "Biblioteket"
        con.close()
    rows, v, items, kinds = results[order]
    assert rows == results["pdf_first" if order == "portal_first" else "portal_first"][0]  # same row, same id
    (mid, doc, committee, date, start, end, location), = rows
    assert doc == portal.extracted.sha256  # the structured source is current
    assert (start, location) == ("07:45", "Mødelokale 1")  # the structured source wins where both have a value
    assert end == "09:10"  # and the PDF fills what the structured source lacks
    assert v[pdf.extracted.sha256] == (mid, "source", "pdf") and v[portal.extracted.sha256] == (mid, "current", "portal_json")
    assert items == 4
    # a PDF arriving after the portal data is an additional source, not a replacement
    assert kinds == (["channel_preferred"] if order == "pdf_first" else ["source_added"])


def test_reloading_the_same_bytes_changes_nothing(con, greve_parsed):
    first, second = greve_parsed[OEK], second_meeting(greve_parsed)
    load(con, first)
    load(con, second)
    tables = ("documents", "meetings", "agenda_items", "decisions", "attendance", "document_versions")
    before = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}
    ids = [r[0] for r in con.execute("SELECT meeting_id FROM meetings ORDER BY 1").fetchall()]
    load(con, second)
    load(con, first)
    assert {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables} == before
    assert [r[0] for r in con.execute("SELECT meeting_id FROM meetings ORDER BY 1").fetchall()] == ids
    assert_consistent(con)


def test_a_file_that_fits_two_meetings_equally_is_not_merged_into_either(con, greve_parsed):
    from pipeline.warehouse.versions import replacements_of_last_run

    first, second = greve_parsed[OEK], second_meeting(greve_parsed)
    load(con, first)
    load(con, second)
    before = con.execute("SELECT meeting_id, doc_id FROM meetings ORDER BY 1").fetchall()
    vague = variant(first, "g", start_time=None)
    vague.meeting.items = vague.meeting.items[:1]  # 'Godkendelse af dagsorden' only: fits both meetings
    load(con, vague)
    assert con.execute("SELECT meeting_id, doc_id FROM meetings WHERE doc_id <> ? ORDER BY 1",
                       [vague.extracted.sha256]).fetchall() == before
    assert con.execute("SELECT count(*) FROM superseded_documents").fetchone()[0] == 0
    (kind, *_rest, summary), = replacements_of_last_run(con)
    assert kind == "ambiguous_identity" and "2 meetings" in summary
    assert_consistent(con)
