"""Helpers for tests/core: fixture lists, gold JSON, and the scorer's comparison rules.

The scorer helpers below are copied (trimmed) from ../shared/eval/score.py so the tests do not
depend on ../shared at run time.
"""
from __future__ import annotations

import difflib
import json
import re
import unicodedata
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
          "parse_warnings", "ingest_errors", "document_versions", "meeting_events", "document_pages", "document_links")


# ----------------------------------------------------------------------------- scorer helpers
META_FIELDS = ["municipality", "committee", "document_type", "meeting_date", "start_time", "end_time", "location"]
ITEM_FIELDS = ["title", "case_number", "closed", "first_page", "last_page", "recommendation", "decision",
               "decision_outcome", "votes"]
FUZZY = {"title", "recommendation", "decision"}
THRESH = 0.9
_END = " \t\r\n.,;:!?•·▪◦‣–—-*\"'()[]"
_BULLETS = re.compile(r"[•·▪◦‣\uf0b7\uf0a7\uf0d8\u25cf\u25a0]")


def norm(s) -> str:
    if s is None:
        return ""
    if not isinstance(s, str):
        s = str(s)
    s = unicodedata.normalize("NFC", s).lower()
    s = _BULLETS.sub(" ", s)
    s = re.sub(r"\s+", " ", s).strip()
    return s.strip(_END)


def norm_title(s) -> str:
    s = norm(s)
    s = re.sub(r"^(lukket( punkt| sag)?|fortroligt punkt)\s*[:\-–]\s*", "", s)
    return s.strip(_END)


def norm_rec(s) -> str:
    s = norm(s)
    s = re.sub(r"(^|\s)\d{1,2}[.)]\s+(?=at\b)", r"\1", s)
    return re.sub(r"\s+", " ", s).strip()


def norm_list_entry(s) -> str:
    s = norm(s)
    s = re.sub(r"^(bilag\s*\d+\s*[:.\-–]\s*|\d{1,2}[.)]\s+)", "", s)
    return s.strip(_END)


def text_match(a, b, field: str) -> bool:
    if field == "title":
        x, y = norm_title(a), norm_title(b)
    elif field == "recommendation":
        x, y = norm_rec(a), norm_rec(b)
    else:
        x, y = norm(a), norm(b)
    if x == y:
        return True
    if not x or not y:
        return False
    return difflib.SequenceMatcher(None, x, y, autojunk=False).ratio() >= THRESH


def to_int(v):
    try:
        return int(str(v).strip())
    except (TypeError, ValueError):
        return None


def norm_time(v):
    if v is None:
        return None
    m = re.match(r"^\s*(\d{1,2})[:.](\d{2})", str(v))
    return "%02d:%02d" % (int(m.group(1)), int(m.group(2))) if m else norm(v)


def votes_key(v):
    if not v or not isinstance(v, dict):
        return None
    key = tuple(tuple(sorted(norm(x) for x in (v.get(k) or []))) for k in ("for", "against", "abstain"))
    return None if not any(key) else key


def field_match(field: str, g: dict, p: dict | None) -> bool:
    gv, pv = g.get(field), (p.get(field) if p is not None else None)
    if field in FUZZY:
        if gv is None or norm(gv) == "":
            return pv is None or norm(pv) == ""
        return text_match(gv, pv, field)
    if field in ("first_page", "last_page"):
        return (gv is not None and to_int(pv) == to_int(gv)) or (gv is None and pv is None)
    if field == "closed":
        return bool(gv) == bool(pv)
    if field == "votes":
        return votes_key(gv) == votes_key(pv)
    if field in ("start_time", "end_time"):
        return norm_time(gv) == norm_time(pv)
    if field == "decision_outcome":
        return norm(gv or "none") == norm(pv or "none")
    return norm(gv) == norm(pv)


def f1(gold, pred, key=norm) -> float:
    g = [key(x) for x in gold or [] if key(x)]
    p = [key(x) for x in pred or [] if key(x)]
    if not g and not p:
        return 1.0
    if not g or not p:
        return 0.0
    pool, tp = list(p), 0
    for x in g:
        if x in pool:
            pool.remove(x)
            tp += 1
    if tp == 0:
        return 0.0
    prec, rec = tp / len(p), tp / len(g)
    return 2 * prec * rec / (prec + rec)


def absent_names(lst) -> list:
    return [a.get("name") if isinstance(a, dict) else a for a in lst or []]


def align_items(gitems: list[dict], pitems: list[dict]) -> list[tuple[dict, dict | None]]:
    """Gold items paired with the predicted item of the same number (None when missing)."""
    by_num: dict[int, list[dict]] = {}
    for p in pitems:
        by_num.setdefault(to_int(p.get("number")), []).append(p)
    return [(g, (by_num.get(to_int(g.get("number"))) or [None])[0]) for g in gitems]


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
