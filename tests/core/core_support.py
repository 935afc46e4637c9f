"""Helpers for tests/core: fixture lists, gold JSON, and the scorer's comparison rules.

The scorer's comparison rules come from tests/fixtures/parse/score.py, the project's copy of
../shared/eval/score.py (so the tests do not depend on ../shared at run time).
"""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "core"

# house style -> fixture stems (every stem has <stem>.pdf and <stem>.json in FIXTURES)
HOUSE_STYLES = {
    "classic": ["classic-0005"],
    "capital": ["capital-0008"],
    "east": ["east-0006", "east-0002"],
    "agenda-classic": ["agenda-classic-0001"],
    "agenda-capital": ["agenda-capital-0001"],
    "real-ballerup": ["ballerup-sundhed-2012-12-04"],
    "greve": ["greve-oekonomiudvalget-2022-01-10", "greve-social-og-handicapudvalget-2022-01-10"],
}
ALL_STEMS = [stem for stems in HOUSE_STYLES.values() for stem in stems]
STYLE_OF = {stem: style for style, stems in HOUSE_STYLES.items() for stem in stems}
# the smaller set that goes into the shared warehouse (ingest cost matters)
WAREHOUSE_STEMS = ["classic-0005", "capital-0008", "east-0006", "agenda-capital-0001",
                   "greve-oekonomiudvalget-2022-01-10", "greve-social-og-handicapudvalget-2022-01-10"]

TABLES = ("documents", "meetings", "agenda_items", "item_sections", "decisions", "decision_notes",
          "attachments", "members", "meeting_members", "meeting_absences", "meeting_substitutes", "attendance",
          "parse_warnings", "ingest_errors", "document_versions", "version_contents", "meeting_events",
          "document_pages", "document_links")


# ----------------------------------------------------------------------------- scorer helpers
def _load_scorer():
    """The project's copy of ../shared/eval/score.py (tests/fixtures/parse/score.py), imported by path."""
    spec = importlib.util.spec_from_file_location("gold_score", SCORER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SCORER = Path(__file__).resolve().parents[1] / "fixtures" / "parse" / "score.py"
scorer = _load_scorer()
META_FIELDS, ITEM_FIELDS = scorer.META_FIELDS, scorer.ITEM_FIELDS
norm, norm_list_entry = scorer.norm, scorer.norm_list_entry
field_match, f1, absent_names = scorer.field_match, scorer.f1, scorer.absent_names


def align_items(gitems: list[dict], pitems: list[dict]) -> list[tuple[dict, dict | None]]:
    """Gold items paired with their predicted item (None when missing), as the scorer pairs them."""
    pairs, _ = scorer.align_items(gitems, pitems)
    return [(gold, pred) for gold, pred, _ in pairs]


def load_gold(stem: str) -> dict:
    return json.loads((FIXTURES / f"{stem}.json").read_text(encoding="utf-8"))


def table_counts(con) -> dict[str, int]:
    return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}




def parse_fixture(stem: str):
    """(stem, ParsedDocument) for one fixture PDF. Lives here, not in conftest.py, so worker
    processes can unpickle it (several test folders have a module named conftest)."""
    from pipeline.ingest.service import process_file, sha256_of

    path = FIXTURES / f"{stem}.pdf"
    _, parsed, reason, detail = process_file(str(path), sha256_of(path))
    if parsed is None:
        raise RuntimeError(f"{stem}: {reason}: {detail}")
    return stem, parsed
