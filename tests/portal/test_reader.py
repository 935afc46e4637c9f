"""Reading FirstAgenda meeting JSON: real Greve 2022 meetings against their gold, HTML structure, odd input."""
from __future__ import annotations

import difflib
import json
import re
import unicodedata

import pytest
from portal_paths import EDGE, GOLD, GREVE

from pipeline.portal.html import html_sections
from pipeline.portal.reader import PortalFormatError, attachment_links, decode_meeting, is_portal_candidate, \
    read_portal_file


def norm(text) -> str:
    text = unicodedata.normalize("NFC", str(text or "")).lower()
    text = re.sub(r"(^|\s)\d{1,2}[.)]\s+(?=at\b)", r"\1", text)  # "1. at" -> "at", as the scorer does
    return re.sub(r"\s+", " ", text).strip(" .,;:")


def similar(gold, pred) -> bool:
    if not norm(gold):
        return not norm(pred)
    return difflib.SequenceMatcher(None, norm(gold), norm(pred), autojunk=False).ratio() >= 0.9


@pytest.fixture(scope="module")
def nlp():
    from pipeline.parse.nlp import load_pipeline
    return load_pipeline()


@pytest.mark.parametrize("stem", sorted(p.stem for p in GREVE.glob("*.json")))
def test_real_meeting_matches_gold(stem, nlp):
    meeting = read_portal_file(GREVE / f"{stem}.json", "sha", nlp=nlp).meeting
    gold = json.loads((GOLD / f"{stem}.json").read_text(encoding="utf-8"))
    for key in ("municipality", "committee", "document_type", "meeting_date", "start_time", "location", "members"):
        assert getattr(meeting, key) == gold[key], key
    assert [a.name for a in meeting.absent] == [a["name"] for a in gold["absent"]]
    assert [i.number for i in meeting.items] == [i["number"] for i in gold["items"]]
    for item, expected in zip(meeting.items, gold["items"]):
        assert item.title == expected["title"]
        assert (item.case_number.printed if item.case_number else None) == expected["case_number"]
        assert item.closed == expected["closed"]
        if "recommendation" in expected:  # a key left out of the gold is not annotated
            assert similar(expected["recommendation"], item.recommendation), (item.number, item.recommendation)
        if "decision" in expected:
            assert similar(expected["decision"], item.decision.text if item.decision else None), item.number
        if "decision_outcome" in expected:
            assert item.decision.outcome == expected["decision_outcome"], (item.number, item.decision.text)
        assert sorted(item.absent) == sorted(expected.get("absent", item.absent))
        assert item.attachments == expected.get("attachments", item.attachments)
        assert item.first_page is None and item.last_page is None  # the JSON has no pages: say less, not wrong


def test_sections_split_by_headings_with_the_project_vocabulary(nlp):
    meeting = read_portal_file(GREVE / "greve-kultur-og-fritidsudvalget-2022-01-12.json", "sha", nlp=nlp).meeting
    kinds = [s.kind for s in meeting.items[2].sections]
    # this meeting prints its sub-headings as bold paragraphs, not <h3>: they are headings all the same
    assert kinds[:2] == ["decision", "body"] and {"procedure", "issue", "recommendation", "economy"} <= set(kinds)
    headings = [s.heading for s in meeting.items[2].sections]
    assert "Sagsprocedure" in headings and "Resume" in headings
    assert all(s.text for s in meeting.items[2].sections if s.kind != "body")


def test_html_tables_lists_and_nested_headings_stay_readable():
    html = ("<div><h3><b>I</b>ndstilling</h3><div>Direktionen indstiller,<ol><li>at a godkendes,</li>"
            "<li>at b frigives.</li></ol></div><h3></h3><h3>Sagsbeskrivelse</h3><table><tr><th>Projekt</th>"
            "<th>Beløb</th></tr><tr><td>Tag</td><td>3.400</td></tr></table><ul><li>et</li><li>to</li></ul>"
            "<script>alert(1)</script><h2><span>Økonomi</span></h2>Ingen&nbsp;udgifter.</div>")
    sections = html_sections(html)
    assert [s.heading for s in sections] == ["Indstilling", "Sagsbeskrivelse", "Økonomi"]
    assert sections[0].text == "Direktionen indstiller,\n1. at a godkendes,\n2. at b frigives."
    assert sections[1].text == "Projekt | Beløb\nTag | 3.400\n• et\n• to"
    assert sections[2].text == "Ingen udgifter."


def test_edge_cases_votes_absence_attachments_only_and_missing_fields(nlp):
    parsed = read_portal_file(EDGE / "testby-teknik-og-miljoeudvalget-2023-03-06.json", "sha", nlp=nlp)
    meeting = parsed.meeting
    assert parsed.extracted.pages == [] and parsed.extracted.engine == "portal_json"
    assert (meeting.committee, meeting.meeting_date, meeting.start_time, meeting.end_time) == \
        ("Teknik- og Miljøudvalget", "2023-03-06", "16:30", "18:45")
    assert meeting.members == ["Anna Andersen", "Mette Hansen", "Jens Jensen"]  # a participant without a name is skipped
    assert [a.name for a in meeting.absent] == ["Mette Hansen"]
    by_title = {i.title: i for i in meeting.items}
    budget = by_title["Budget med tabel og lister"]
    assert budget.recommendation == "1. at budgettet godkendes, 2. at anlægsbevillingen frigives."
    assert budget.decision.outcome == "approved"
    assert (budget.decision.votes.for_, budget.decision.votes.against, budget.decision.votes.abstain) == \
        (["A", "F", "Ø"], ["V"], ["C"])
    assert "Fraværende" not in budget.decision.text and budget.absent == ["Mette Hansen"]
    assert "Skole, tag | 3.400" in next(s.text for s in budget.sections if s.kind == "body")
    only_attachments = by_title["Orientering med kun bilag"]
    assert only_attachments.decision is None and only_attachments.attachments == ["Notat om status"]
    links = next(s.text for s in only_attachments.sections if s.kind == "attachments")
    assert "https://dagsordener.testby.dk/Vis/Pdf/bilag/" in links
    empty = by_title["Punkt uden felter"]
    assert empty.sections == [] and empty.case_number is None and empty.decision is None
    closed = by_title["Lukket: Køb af grund"]
    assert closed.closed and closed.decision.text == "Godkendt." and closed.absent == ["Mette Hansen", "Jens Jensen"]
    unnumbered = by_title["Punkt uden nummer"]
    assert unnumbered.number is None and unnumbered.decision.outcome == "postponed"
    codes = [w.code for w in meeting.warnings]
    assert "unnumbered_item" in codes and codes.count("item_without_decision") == 2


def test_attachment_links_are_provenance():
    obj = decode_meeting((EDGE / "testby-teknik-og-miljoeudvalget-2023-03-06.json").read_bytes())
    links = attachment_links(obj, "http://127.0.0.1:9/api/agenda/dagsorden/x")
    assert [(l.item_number, l.title) for l in links] == [(2, "Bilag 1: Budgetoversigt"), (2, "Projektliste 2023"),
                                                          (3, "Notat om status")]
    assert all(l.url.startswith("http://127.0.0.1:9/Vis/Pdf/bilag/") for l in links)


def test_cancelled_meeting_and_missing_fields_are_read_with_warnings():
    cancelled = read_portal_file(EDGE / "testby-teknik-og-miljoeudvalget-2023-04-03-aflyst.json", "sha").meeting
    assert cancelled.items == [] and cancelled.document_type == "dagsorden"
    assert {"meeting_cancelled", "no_items"} <= {w.code for w in cancelled.warnings}
    bare = read_portal_file(EDGE / "missing-fields.json", "sha").meeting
    assert bare.committee is None and bare.meeting_date is None and len(bare.items) == 2
    assert {"unparsed_date", "no_committee"} <= {w.code for w in bare.warnings}


@pytest.mark.parametrize("name, reason", [("malformed.json", "malformed_json"),
                                          ("gold-like-not-a-meeting.json", "not_portal_json")])
def test_unreadable_json_raises_with_a_reason(name, reason):
    with pytest.raises(PortalFormatError) as caught:
        read_portal_file(EDGE / name, "sha")
    assert caught.value.reason == reason


def test_only_meeting_json_is_picked_from_folders():
    assert is_portal_candidate(EDGE / "malformed.json")  # broken, but a meeting: its failure gets recorded
    assert not is_portal_candidate(EDGE / "gold-like-not-a-meeting.json")
    assert not is_portal_candidate(GOLD / "greve-oekonomiudvalget-2022-01-10.json")
