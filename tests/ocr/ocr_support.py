"""Helpers for tests/ocr: fixture paths, scan-like copies, and a per-document gold score.

The score follows ../shared/eval/score.py (meeting fields and item fields averaged over what the gold
annotates, members and absences as F1) with the comparison rules copied into tests/core/core_support.py.
"""
from __future__ import annotations

import json
from pathlib import Path

from core.core_support import ITEM_FIELDS, META_FIELDS, absent_names, align_items, f1, field_match

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ocr"
REAL_SCAN = FIXTURES / "ballerup-bygningsliste-2012-scanned.pdf"


def load_gold(stem: str) -> dict:
    return json.loads((FIXTURES / f"{stem}.json").read_text(encoding="utf-8"))


def document_score(gold: dict, pred: dict) -> float:
    """Mean over every annotated meeting field, members/absent F1 and every annotated field of every gold item."""
    scores: list[float] = [float(field_match(f, gold, pred)) for f in META_FIELDS if f in gold]
    if "members" in gold:
        scores.append(f1(gold["members"], pred.get("members") or []))
    if "absent" in gold:
        scores.append(f1(absent_names(gold["absent"]), absent_names(pred.get("absent") or [])))
    for gold_item, pred_item in align_items(gold.get("items", []), pred.get("items", [])):
        scores.extend(float(field_match(f, gold_item, pred_item)) for f in ITEM_FIELDS if f in gold_item)
    return sum(scores) / len(scores) if scores else 0.0
