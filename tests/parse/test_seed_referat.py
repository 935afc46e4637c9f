"""The seed referat (Hedensted Kommune, the document this product was first described with) scores
1.000 with the project's scorer (a copy of ../shared/eval/score.py in tests/fixtures/parse/)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.core_support import scorer
from pipeline.extract import extract_document
from pipeline.parse.parser import parse_document

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "parse"
STEM = "hedensted-2021-09-06"


@pytest.fixture(scope="module")
def extracted():
    return extract_document(FIXTURES / f"{STEM}.pdf", "seed")


def test_seed_scores_one(extracted, tmp_path):
    gold_dir, pred_dir = tmp_path / "gold", tmp_path / "pred"
    gold_dir.mkdir()
    pred_dir.mkdir()
    (gold_dir / f"{STEM}.json").write_bytes((FIXTURES / f"{STEM}.json").read_bytes())
    (pred_dir / f"{STEM}.json").write_text(json.dumps(parse_document(extracted).as_gold(), ensure_ascii=False))
    results, _ = scorer.score(str(gold_dir), str(pred_dir))
    below = {field: value for field, value in results.items() if isinstance(value, float) and value < 1.0}
    assert not below, below


def test_boxed_continuation_header_is_furniture(extracted):
    # the boxed header (municipality, committee, "Mødedato:", "Formand:", "Sidetal: N") printed on
    # continuation pages only is page furniture, not text of the item it interrupts
    furniture = [line.text for page in extracted.pages for line in page.removed_lines]
    assert any(text.startswith("Sidetal:") for text in furniture)
    assert any(text.startswith("Formand:") for text in furniture)
    assert not any(line.text.startswith(("Sidetal:", "Formand:")) for line in extracted.lines)
    meeting = parse_document(extracted)
    for item in meeting.items:
        assert not any("Sidetal" in entry or "Formand" in entry for entry in item.attachments), item.attachments
