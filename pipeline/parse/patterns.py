"""The Danish lexicon of minutes as data: heading variants, front-matter labels, document-type words,
committee words and standing items, one JSONL pattern file per table.

Like spaCy's EntityRuler keeps `patterns.jsonl`, the `minutes_lexicon` component saves these tables
with the pipeline (`models/minutes_da/minutes_lexicon/*.jsonl`) and loads them from there; the seed
copy that `minutes build-model` starts from lives in `pipeline/parse/lexicon/`. Every line is
`{"label": ..., "pattern": ...}`: deleting a line removes that phrasing from the parser.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from rapidfuzz import fuzz, process

SEED_DIR = Path(__file__).resolve().parent / "lexicon"

# table name -> what its labels mean
TABLES = {
    "headings": "section heading variants (lower case); label = section kind",
    "front_labels": "front-matter labels (lower case); label = Meeting field",
    "document_types": "title words naming the document type; label = referat | dagsorden",
    "committee_words": "word stems that make a phrase a deciding body (label 'stem') and words that end a "
                       "committee name (label 'stop', e.g. 'møde' in 'Udvalget for Social Omsorg Møde')",
    "no_decision_items": "standing items without a decision by nature (label 'title')",
    "case_labels": "labels before a case number (label 'case': 'Sagsnr.') or a document number that is not one "
                   "(label 'document': 'Dok.nr.')",
    "absence_labels": "labels of an item's absence line ('Fraværende: X'; label 'absent')",
    "heading_words": "words of headings that carry their own wording: 'Beslutning i Byrådet den …' "
                     "('decision_noun', 'owner_preposition', 'date_article'), 'Udvalgets beslutning' ('owner_decision_noun'), "
                     "'Udvalget, 03-04-2019, pkt. 44' ('item_word'), 'Administrationen indstiller over for …' "
                     "('recommends', 'recommends_to'), 'Det indstilles' ('recommendation_phrase')",
    "item_words": "item headings: words before the number ('prefix': 'Punkt 5'), closed-item title prefixes "
                  "('closed': 'Lukket punkt:') and lines that mark an item closed ('closed_flag')",
    "people_words": "words around names: roles after a name ('role': 'formand'), what a list of nobody says "
                    "('none': 'ingen afbud'), first words that make 'X Kommune' no municipality ('not_a_place': 'Hele')",
}


_WHITE_SPACE = r"\s+"
# a date as printed in a decision heading: "12. marts 2023", "19-12-2016"
_DATE_IN_HEADING = r"(?:\d{1,2}\.?\s*[a-zæøå]+\.?\s+\d{4}|\d{1,2}[.\-/]\d{1,2}[.\-/]\d{2,4})"


def _words_pattern(words: list[str], gap: str = r"\s*") -> str:
    """An alternation of printed words, longest first, `gap` (white space) between their parts."""
    parts = [gap.join(re.escape(part) for part in word.split()) for word in sorted(set(words), key=len, reverse=True)]
    return "|".join(parts) if parts else r"(?!)"


@dataclass
class Lexicon:
    """All tables, each a list of (label, pattern) in file order."""

    tables: dict[str, list[tuple[str, str]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._index()

    # ------------------------------------------------------------------ views
    def _index(self) -> None:
        self.section_headings: dict[str, list[str]] = {}
        for kind, variant in self.tables.get("headings", []):
            self.section_headings.setdefault(kind, []).append(variant)
        self.kind_of_variant: dict[str, str] = {v: k for k, vs in self.section_headings.items() for v in vs}
        self._variants = list(self.kind_of_variant)
        self.front_labels: dict[str, list[str]] = {}
        for name, label in self.tables.get("front_labels", []):
            self.front_labels.setdefault(name, []).append(label)
        self.document_type_words: dict[str, list[str]] = {}
        for kind, word in self.tables.get("document_types", []):
            self.document_type_words.setdefault(kind, []).append(word)
        self._document_type_res = [(kind, re.compile("|".join(rf"\b{re.escape(w)}\b" for w in words)))
                                   for kind, words in self.document_type_words.items() if words]
        self.committee_stems = tuple(p for label, p in self.tables.get("committee_words", []) if label == "stem")
        self.committee_stop_words = frozenset(p for label, p in self.tables.get("committee_words", []) if label == "stop")
        self.no_decision_items = [p for _, p in self.tables.get("no_decision_items", [])]
        self._kind_cache: dict[str, tuple[str, float] | None] = {}
        case_labels = self.tables.get("case_labels", [])
        self.case_label_re = re.compile(rf"^\s*({_words_pattern([p for l, p in case_labels if l == 'case'])})\.?\s*:?\s*",
                                        re.IGNORECASE)
        self._index_heading_words()
        item_words = self.tables.get("item_words", [])
        prefixes = _words_pattern([p for l, p in item_words if l == "prefix"], _WHITE_SPACE)
        # "Punkt 5: Titel", "Pkt. 5 Titel", "Sag 12: Titel", "Dagsordenspunkt 3 - Titel"
        self.prefixed_item_re = re.compile(rf"^(?:{prefixes})\s*(\d{{1,4}})\s*[.:)\-–]?\s+(\S.*)$", re.IGNORECASE)
        # "Punkt 5" (or "5.") alone on its line, the title below
        self.bare_number_re = re.compile(rf"^(?:{prefixes})?\s*(\d{{1,4}})\s*[.:)]?$", re.IGNORECASE)
        closed = _words_pattern([p for l, p in item_words if l == "closed"], _WHITE_SPACE)
        self.closed_title_re = re.compile(rf"^({closed})\s*[:\-–]?\s*", re.IGNORECASE)
        flags = _words_pattern([p for l, p in item_words if l == "closed_flag"], _WHITE_SPACE)
        self.closed_flag_re = re.compile(rf"^({flags})\.?$", re.IGNORECASE)
        people = self.tables.get("people_words", [])
        self.role_re = re.compile(rf"\s*[-–,]\s*({_words_pattern([p for l, p in people if l == 'role'], _WHITE_SPACE)})\b.*$",
                                  re.IGNORECASE)
        self.nobody_re = re.compile(rf"^({_words_pattern([p for l, p in people if l == 'none'], _WHITE_SPACE)})\.?$",
                                    re.IGNORECASE)
        self.not_a_place = frozenset(p for l, p in people if l == "not_a_place")
        # "Mødet sluttede kl. 20.35" anywhere in the document: the front-matter labels of the end time
        self.meeting_end_re = re.compile(rf"^\s*(?:{_words_pattern(self.front_labels.get('end', []), _WHITE_SPACE)})\b",
                                         re.IGNORECASE)
        # the same labels at the end of an item title: "Budget 2025 (Sagsnr. 24/1234)"
        self.title_case_label_re = re.compile(
            rf"\s*[-–,(]?\s*\b(?:{_words_pattern([p for l, p in case_labels if l == 'case'])})\.?\s*:?\s*(\S+?)\)?\s*$",
            re.IGNORECASE)
        self.document_label_re = re.compile(
            rf"^\s*({_words_pattern([p for l, p in case_labels if l == 'document'])})\.?\s*:?", re.IGNORECASE)
        absence = [p for _, p in self.tables.get("absence_labels", [])]
        self.absence_line_re = re.compile(rf"^(?:{_words_pattern(absence, _WHITE_SPACE)})\s*:?\s*(?P<names>.*)$",
                                          re.IGNORECASE)

    def _index_heading_words(self) -> None:
        rows = self.tables.get("heading_words", [])

        def words(label: str) -> str:
            return _words_pattern([p for l, p in rows if l == label], _WHITE_SPACE)

        date = _DATE_IN_HEADING
        nouns, articles = words("decision_noun"), words("date_article")
        # "Beslutning for Teknisk Udvalg den 12. marts 2023", "Beslutning i Byrådet den 19-12-2016"
        self.decision_for_re = re.compile(
            rf"^(?:{nouns})\s+(?:{words('owner_preposition')})\s+(.+?)(?:\s+(?:{articles})\s+({date}).*)?$", re.IGNORECASE)
        # "Sundheds- og Forebyggelsesudvalgets beslutning den 04.12.2012 Punkt 1"
        self.owner_decision_re = re.compile(
            rf"^(.{{3,90}}?)s?\s+(?:{words('owner_decision_noun')})\s*(?:(?:{articles})\s+({date}))?.*$", re.IGNORECASE)
        # "Kultur- og Idrætsudvalget, 03-04-2019, pkt. 44"
        self.committee_date_item_re = re.compile(
            rf"^(.{{3,90}}?),?\s+(?:(?:{articles})\s+)?({date}),?\s+(?:{words('item_word')})\.?\s*\d+\s*:?$", re.IGNORECASE)
        # "Administrationen indstiller,", "Direktøren for Teknik indstiller over for udvalget:"
        self.lead_in_re = re.compile(rf"^[A-ZÆØÅ][\w\-–&,./ ]{{1,90}}?\s+(?:{words('recommends')})"
                                     rf"(?:\s+(?:{words('recommends_to')})\s+[^,:]{{2,80}})?\s*[,:]?$")
        self.recommendation_phrase_re = re.compile(rf"^(?:{words('recommendation_phrase')})\s*[,:]?\s*$", re.IGNORECASE)
        # every decision-heading form names one of these words: most body lines are ruled out by `in`
        self.decision_heading_cues = tuple(sorted({p.lower() for l, p in rows if l in ("decision_noun", "item_word")}))

    # ------------------------------------------------------------------ look-ups
    def heading_kind(self, text: str) -> tuple[str, float] | None:
        """Best heading kind for a short text, with the rapidfuzz score (0-100)."""
        cached = self._kind_cache.get(text, False)
        if cached is not False:
            return cached
        found = self._heading_kind(text)
        if len(self._kind_cache) < 50000:
            self._kind_cache[text] = found
        return found

    def _heading_kind(self, text: str) -> tuple[str, float] | None:
        low = re.sub(r"\s+", " ", text.lower()).strip(" :.")
        if not low or len(low) > 60:
            return None
        if low in self.kind_of_variant:
            return self.kind_of_variant[low], 100.0
        best = process.extractOne(low, self._variants, scorer=fuzz.ratio)
        if best and len(low) >= 6 and best[1] >= 88:
            return self.kind_of_variant[best[0]], float(best[1])
        return None

    def document_type(self, text: str) -> str | None:
        """'referat' / 'dagsorden' when a document-type word occurs in `text`."""
        low = text.lower()
        for kind, pattern in self._document_type_res:
            if pattern.search(low):
                return kind
        return None

    def is_committee_like(self, text: str) -> bool:
        low = text.lower().strip()
        return any(stem in low for stem in self.committee_stems)

    def needs_no_decision(self, title: str) -> bool:
        """Signature pages and the like ("Underskriftsark") are items without a decision by nature."""
        best = process.extractOne(title.lower(), self.no_decision_items, scorer=fuzz.ratio)
        return bool(best and best[1] >= 85)

    # ------------------------------------------------------------------ editing and (de)serialisation
    def without(self, table: str, label: str, pattern: str) -> "Lexicon":
        """A copy without one entry (for tests and the leave-one-style-out benchmark)."""
        tables = {name: [entry for entry in entries if not (name == table and entry == (label, pattern))]
                  for name, entries in self.tables.items()}
        return Lexicon(tables)

    def to_disk(self, path: Path) -> None:
        """One `<table>.jsonl` per table, entries in order (so a rebuild writes the same bytes)."""
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        for name, entries in self.tables.items():
            text = "".join(json.dumps({"label": label, "pattern": pattern}, ensure_ascii=False) + "\n"
                           for label, pattern in entries)
            (path / f"{name}.jsonl").write_text(text, encoding="utf-8")

    @classmethod
    def from_disk(cls, path: Path) -> "Lexicon":
        path = Path(path)
        tables: dict[str, list[tuple[str, str]]] = {}
        for name in TABLES:
            file = path / f"{name}.jsonl"
            entries: list[tuple[str, str]] = []
            if file.exists():
                for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), start=1):
                    if not line.strip():
                        continue
                    try:
                        row = json.loads(line)
                        entries.append((str(row["label"]), str(row["pattern"])))
                    except (ValueError, KeyError, TypeError) as error:
                        raise ValueError(f"{file}:{number}: not a {{label, pattern}} object ({error})") from None
            tables[name] = entries
        return cls(tables)

    @classmethod
    def seed(cls) -> "Lexicon":
        """The lexicon shipped in the package (what `minutes build-model` writes into the model).
        Read once per process; treat it as read-only."""
        global _SEED
        if _SEED is None:
            _SEED = cls.from_disk(SEED_DIR)
        return _SEED


_SEED: Lexicon | None = None
