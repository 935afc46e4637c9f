"""Parser output vs gold JSON, field by field, one fixture document (or two) per house style.

Uses the scorer's normalisation (core_support, copied from ../shared/eval/score.py). A key left
out of a gold object is not annotated and is not checked.
"""
from __future__ import annotations

import pytest

from core_support import (ALL_STEMS, ITEM_FIELDS, META_FIELDS, STYLE_OF, absent_names, align_items, f1,
                          field_match, load_gold, norm_list_entry)


def case_id(stem: str) -> str:
    return f"{STYLE_OF[stem]}:{stem}"


@pytest.fixture(scope="module")
def predictions(parsed_docs) -> dict:
    return {stem: parsed_docs[stem].meeting.as_gold() for stem in ALL_STEMS}


DOCS = [pytest.param(stem, id=case_id(stem)) for stem in ALL_STEMS]


@pytest.mark.parametrize("field", META_FIELDS)
@pytest.mark.parametrize("stem", DOCS)
def test_meeting_field(predictions, stem, field):
    gold = load_gold(stem)
    if field not in gold:
        pytest.skip(f"{field} not annotated in gold")
    pred = predictions[stem]
    assert field_match(field, gold, pred), f"{field}: gold {gold[field]!r} != parsed {pred[field]!r}"


@pytest.mark.parametrize("stem", DOCS)
def test_members(predictions, stem):
    gold, pred = load_gold(stem), predictions[stem]
    assert pred["members"] == gold["members"]  # document order, names as printed


@pytest.mark.parametrize("stem", DOCS)
def test_meeting_absences(predictions, stem):
    gold, pred = load_gold(stem), predictions[stem]
    assert f1(absent_names(gold["absent"]), absent_names(pred["absent"])) == 1.0, \
        f"gold {gold['absent']} != parsed {pred['absent']}"
    gold_notes = {a["name"]: a["note"] for a in gold["absent"]}
    pred_notes = {a["name"]: a["note"] for a in pred["absent"]}
    for name, note in gold_notes.items():
        assert (pred_notes.get(name) or None) == note, f"note of {name}"


@pytest.mark.parametrize("stem", DOCS)
def test_item_numbers_in_order(predictions, stem):
    gold, pred = load_gold(stem), predictions[stem]
    assert [i["number"] for i in pred["items"]] == [i["number"] for i in gold["items"]]


@pytest.mark.parametrize("field", ITEM_FIELDS)
@pytest.mark.parametrize("stem", DOCS)
def test_item_field(predictions, stem, field):
    gold, pred = load_gold(stem), predictions[stem]
    annotated = [g for g in gold["items"] if field in g]
    if not annotated:
        pytest.skip(f"{field} not annotated in gold")
    wrong = []
    for g, p in align_items(annotated, pred["items"]):
        if not field_match(field, g, p):
            wrong.append(f"item {g['number']}: gold {g[field]!r} != parsed {(p or {}).get(field)!r}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("stem", DOCS)
def test_item_absences(predictions, stem):
    gold, pred = load_gold(stem), predictions[stem]
    wrong = [f"item {g['number']}: gold {g['absent']} != parsed {(p or {}).get('absent')}"
             for g, p in align_items(gold["items"], pred["items"])
             if "absent" in g and f1(g["absent"], (p or {}).get("absent")) < 1.0]
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("stem", DOCS)
def test_item_attachments(predictions, stem):
    gold, pred = load_gold(stem), predictions[stem]
    wrong = [f"item {g['number']}: gold {g['attachments']} != parsed {(p or {}).get('attachments')}"
             for g, p in align_items(gold["items"], pred["items"])
             if "attachments" in g and f1(g["attachments"], (p or {}).get("attachments"), key=norm_list_entry) < 1.0]
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("stem", DOCS)
def test_every_item_has_pages_in_range(parsed_docs, stem):
    doc = parsed_docs[stem]
    n = len(doc.extracted.pages)
    for item in doc.meeting.items:
        assert 1 <= item.first_page <= item.last_page <= n, item.number
