"""The parser's registered spaCy components, in pipeline order.

`parse_document` builds one `Doc` per document from the extracted words (pipeline/parse/layout_doc.py,
`doc.spans["layout"]` = one span per printed line) and runs these components on it; each reads what
an earlier one assigned (`requires`) and leaves its own result on the Doc (`assigns`):

    minutes_lexicon       -> doc._.lexicon                       the Danish pattern tables (saved with the model)
    minutes_structure     -> doc._.item_headings, doc.spans["items"], doc._.body_size, doc._.front_end
    minutes_front_matter  -> doc._.meeting (municipality, committee, type, date, times, place, members, absences)
    minutes_sections      -> doc._.item_sections, doc.spans["sections"] (label = section kind)
    minutes_entities      -> doc.ents (CASE_NUMBER, DATE, TIME, MONEY, PARTY, MEMBER)
    minutes_items         -> doc._.meeting.items (number, title, case number, pages, recommendation, attachments)
    minutes_decisions     -> each item's Decision (outcome, votes, notes, deviation), doc.spans["decisions"]
    minutes_meeting       -> doc._.meeting finished (document type, attendance per item, warnings)

`lemmatizer` (spaCy's Danish lookup lemmas) is saved disabled: it does not run over documents. Search reads
its full table, loaded lazily from the installed spacy-lookups-data; minutes_decisions reads the small
`outcome_lemmas` table saved with the model.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from pipeline.extract.ocr import ocr_warnings
from pipeline.model import Decision, Meeting, ParseWarning
from pipeline.parse.attendance import resolve_attendance
from pipeline.parse.case_numbers import EMN, KLE, SLASH, YEAR_SERIAL, bare_case_number
from pipeline.parse.checks import meeting_warnings
from pipeline.parse.dates import ISO_DATE, NUM_DATE, WORD_DATE
from pipeline.parse.items import build_item
from pipeline.parse.layout_doc import LAYOUT, lines_span
from pipeline.parse.metadata import read_front_matter
from pipeline.parse.patterns import Lexicon
from pipeline.parse.structure import (body_font_size, body_is_bold, document_level_start, find_item_headings,
                                      split_sections, typical_sizes)

for _name in ("lexicon", "body_size", "body_bold", "item_headings", "front_end", "heading_size", "section_size", "meeting",
              "item_sections", "item_blocks", "appendix_pages"):
    if not Doc.has_extension(_name):
        Doc.set_extension(_name, default=None)


# --------------------------------------------------------------------------- the one place decisions are read
def read_decision(text: str | None, recommendation: str | None, nlp: Language | None = None,
                  lexicon: "DecisionLexicon | None" = None) -> Decision:
    """What a decision text says: outcome, votes, protocol notes, deviation from the recommendation
    (pipeline/parse/decisions.py, the reader the portal path uses too), with the pipeline's decision lexicon."""
    from pipeline.parse.decisions import read_decision as read

    return read(text, recommendation, lexicon=lexicon, nlp=nlp)


# --------------------------------------------------------------------------- lexicon
@Language.factory("minutes_lexicon", assigns=["doc._.lexicon"])
def create_minutes_lexicon(nlp: Language, name: str):
    return LexiconComponent(name)


class LexiconComponent:
    """Holds the Danish pattern tables (pipeline/parse/patterns.py); saved as <model>/<name>/*.jsonl."""

    def __init__(self, name: str, lexicon: Lexicon | None = None):
        self.name = name
        self.lexicon = lexicon or Lexicon.seed()

    def __call__(self, doc: Doc) -> Doc:
        doc._.lexicon = self.lexicon
        return doc

    def to_disk(self, path, exclude=()) -> None:
        self.lexicon.to_disk(Path(path))

    def from_disk(self, path, exclude=()) -> "LexiconComponent":
        self.lexicon = Lexicon.from_disk(Path(path))
        return self


# --------------------------------------------------------------------------- segmentation
@Language.factory("minutes_structure", requires=["doc.spans", "doc._.lines", "doc._.lexicon"],
                  assigns=["doc._.body_size", "doc._.item_headings", "doc._.front_end", "doc._.heading_size",
                           "doc._.section_size", "doc._.body_bold"])
def create_minutes_structure(nlp: Language, name: str):
    """Item headings (not the table of contents) and the typography of this document."""

    def minutes_structure(doc: Doc) -> Doc:
        lines, lexicon = doc._.lines, doc._.lexicon
        doc._.body_size = body_font_size(lines)
        doc._.body_bold = body_is_bold(lines)
        headings = find_item_headings(lines, doc._.body_size, lexicon)
        doc._.item_headings = headings
        doc._.front_end = headings[0].index if headings else len(lines)
        doc._.heading_size, doc._.section_size = typical_sizes(lines, headings, doc._.body_size, lexicon)
        return doc

    return minutes_structure


@Language.factory("minutes_front_matter", requires=["doc._.lines", "doc._.running", "doc._.front_end", "doc._.lexicon"],
                  assigns=["doc._.meeting"])
def create_minutes_front_matter(nlp: Language, name: str):
    """Meeting metadata from the lines before the first item (and the running headers)."""

    def minutes_front_matter(doc: Doc) -> Doc:
        meeting = Meeting(source_file=doc._.source_file)
        lines = doc._.lines
        read_front_matter(lines[:doc._.front_end], doc._.running, lines, meeting, doc._.lexicon)
        doc._.meeting = meeting
        return doc

    return minutes_front_matter


@Language.factory("minutes_sections", requires=["doc._.item_headings", "doc._.lexicon"],
                  assigns=["doc._.item_sections", "doc._.item_blocks", "doc._.appendix_pages", "doc.spans"])
def create_minutes_sections(nlp: Language, name: str):
    """Each item's block of lines, cut into titled sections (by wording or by typography)."""

    def minutes_sections(doc: Doc) -> Doc:
        lines, headings, lexicon = doc._.lines, doc._.item_headings, doc._.lexicon
        body_size, heading_size, section_size = doc._.body_size, doc._.heading_size, doc._.section_size
        index_of = {id(line): index for index, line in enumerate(lines)}
        appendix_pages: set[int] = set()
        blocks, item_sections, item_spans, section_spans = [], [], [], []
        for position, heading in enumerate(headings):
            # from after the title lines to the next heading, minus a bare case number printed just
            # above the next heading (it belongs to the next item)
            start = heading.title_lines[-1] + 1
            end = headings[position + 1].index if position + 1 < len(headings) else len(lines)
            block = lines[start:end]
            cut = document_level_start(block, heading_size, section_size, body_size, lexicon)
            appendix_pages.update(line.page for line in block[cut:])  # e.g. the full Bilag list after the last item
            block = block[:cut]
            while block and position + 1 < len(headings) and bare_case_number(block[-1].text):
                block = block[:-1]
            # a bare case number printed just above the heading belongs to this item
            above = heading.index - 1
            previous_end = headings[position - 1].title_lines[-1] if position else -1
            leading = [lines[above]] if above > previous_end and bare_case_number(lines[above].text) else []
            blocks.append(block)
            sections = split_sections(leading + block, body_size, lexicon, section_size, doc._.body_bold)
            item_sections.append(sections)
            span = lines_span(doc, heading.index, start + len(block) - 1 if block else heading.title_lines[-1],
                              str(heading.number))
            if span is not None:
                item_spans.append(span)
            for section in sections:
                found = [index_of[id(line)] for line in section.lines if id(line) in index_of]
                if section.heading and found:
                    span = lines_span(doc, found[0], found[-1], section.heading.kind)
                    if span is not None:
                        section_spans.append(span)
        doc._.item_blocks = blocks
        doc._.item_sections = item_sections
        doc._.appendix_pages = appendix_pages
        doc.spans["items"] = item_spans
        doc.spans["sections"] = section_spans
        return doc

    return minutes_sections


# --------------------------------------------------------------------------- entities
_ENTITY_PATTERNS: list[tuple[str, re.Pattern]] = [
    ("CASE_NUMBER", KLE), ("CASE_NUMBER", EMN), ("CASE_NUMBER", SLASH), ("CASE_NUMBER", YEAR_SERIAL),
    ("MONEY", re.compile(r"\b\d{1,3}(?:\.\d{3})*(?:,\d+)?\s*(?:mio\.|mia\.|t\.)?\s*kr\.?", re.IGNORECASE)),
    ("TIME", re.compile(r"\bkl\.?\s*\d{1,2}[.:]\d{2}", re.IGNORECASE)),
    ("DATE", WORD_DATE), ("DATE", NUM_DATE), ("DATE", ISO_DATE),  # what parse_danish_date reads
    ("PARTY", re.compile(r"\([A-ZÆØÅ]{1,2}\)")),
]


@Language.factory("minutes_entities", requires=["doc._.text", "doc._.meeting"], assigns=["doc.ents"])
def create_minutes_entities(nlp: Language, name: str):
    """Case numbers (KLE and the other printed forms), money, dates, times, party letters and the
    meeting's members where the text names them."""

    def minutes_entities(doc: Doc) -> Doc:
        text = doc._.text if doc._.text is not None else doc.text
        found = [(match.start(), match.end(), label) for label, pattern in _ENTITY_PATTERNS
                 for match in pattern.finditer(text)]
        for member in doc._.meeting.members if doc._.meeting else []:
            at = text.find(member)
            while at >= 0:  # str.find: a regex alternation of names costs ten times more
                found.append((at, at + len(member), "MEMBER"))
                at = text.find(member, at + len(member))
        spans = []
        for start, end, label in found:
            span = doc.char_span(start, end, label=label, alignment_mode="expand")
            if span is not None and "\n" not in text[start:end]:
                spans.append(span)
        doc.ents = filter_spans(list(doc.ents) + spans)
        return doc

    return minutes_entities


# --------------------------------------------------------------------------- items and decisions
@Language.factory("minutes_items", requires=["doc._.item_sections", "doc._.meeting"], assigns=["doc._.meeting"])
def create_minutes_items(nlp: Language, name: str):
    """One Item per heading: case number, sections, recommendation, decision text, absences, attachments, pages."""

    def minutes_items(doc: Doc) -> Doc:
        meeting, lines = doc._.meeting, doc._.lines
        for position, (heading, sections, block) in enumerate(zip(doc._.item_headings, doc._.item_sections,
                                                                   doc._.item_blocks)):
            item = build_item(heading, sections, position, meeting.meeting_date, meeting.committee, meeting.members,
                              doc._.lexicon)
            item.first_page = lines[heading.index].page
            item.last_page = block[-1].page if block else lines[heading.title_lines[-1]].page
            meeting.items.append(item)
        return doc

    return minutes_items


@Language.factory("minutes_decisions", requires=["doc._.meeting"], assigns=["doc._.meeting", "doc.spans"])
def create_minutes_decisions(nlp: Language, name: str):
    return DecisionComponent(nlp, name)


class DecisionComponent:
    """Each item's decision read for what it says, with the Danish decision lexicon (outcome, vote and note
    phrasings, party names: pipeline/parse/lexicon/decisions.json, parties.json) saved with the model."""

    def __init__(self, nlp: Language, name: str):
        from pipeline.parse.decisions import default_lexicon

        self.nlp = nlp
        self.name = name
        self.lexicon = default_lexicon()

    def __call__(self, doc: Doc) -> Doc:
        for item in doc._.meeting.items:
            stub = item.decision
            if stub is None:
                continue
            decision = read_decision(stub.text, item.recommendation, self.nlp, self.lexicon)
            decision.heading, decision.page = stub.heading, stub.page
            item.decision = decision
        doc.spans["decisions"] = [span for span in doc.spans.get("sections", []) if span.label_ == "decision"]
        return doc

    def to_disk(self, path, exclude=()) -> None:
        self.lexicon.to_disk(Path(path))

    def from_disk(self, path, exclude=()) -> "DecisionComponent":
        from pipeline.parse.decisions import DecisionLexicon

        self.lexicon = DecisionLexicon.from_disk(Path(path))
        return self


@Language.factory("minutes_meeting", requires=["doc._.meeting"], assigns=["doc._.meeting"])
def create_minutes_meeting(nlp: Language, name: str):
    """The meeting finished: document type from what it records, attendance per item, warnings."""

    def minutes_meeting(doc: Doc) -> Doc:
        meeting = doc._.meeting
        _resolve_document_type(meeting)
        resolve_attendance(meeting)
        _collect_warnings(meeting, doc)
        return doc

    return minutes_meeting


def _resolve_document_type(meeting: Meeting) -> None:
    """An 'agenda' that records decisions is minutes (some systems keep the agenda title)."""
    if meeting.document_type == "dagsorden" and any(item.decision and item.decision.text for item in meeting.items):
        meeting.document_type = "referat"


def _collect_warnings(meeting: Meeting, doc: Doc) -> None:
    warn = meeting.warnings.append
    lexicon, lines, pages, front_end = doc._.lexicon, doc._.lines, doc._.pages, doc._.front_end
    meeting.warnings.extend(meeting_warnings(meeting, lexicon))
    numbered = [item for item in meeting.items if item.number is not None]
    for previous, item in zip(numbered, numbered[1:]):  # printed order is layout: the portal has none
        if item.number <= previous.number:
            warn(ParseWarning("non_increasing_item_number", f"item {item.number} follows item {previous.number}",
                              item.number, item.first_page))
    for page in pages:
        if not page.has_text_layer and not page.ocr:
            warn(ParseWarning("no_text_layer", f"page {page.number} has no text layer (scanned?)", None, page.number))
    meeting.warnings.extend(ocr_warnings(pages))
    covered = set(doc._.appendix_pages)
    if meeting.items or front_end:
        first_item_page = lines[front_end].page if front_end < len(lines) else None
        for page in pages:
            if first_item_page is not None and page.number <= first_item_page:
                covered.add(page.number)
        for item in meeting.items:
            covered.update(range(item.first_page or 0, (item.last_page or 0) + 1))
    for page in pages:
        if page.lines and page.number not in covered:
            meeting.unassigned_pages.append(page.number)
            warn(ParseWarning("unassigned_page", f"text on page {page.number} belongs to no item", None, page.number))


# --------------------------------------------------------------------------- lemmas
@Language.factory("minutes_lookup_lemmatizer", assigns=["token.lemma"])
def create_lookup_lemmatizer(nlp: Language, name: str):
    return LookupLemmatizer(name)


class LookupLemmatizer:
    """spaCy's Danish lookup lemma table, read from the installed spacy-lookups-data on first use
    (`.lookups`, for search), plus `outcome_lemmas`: the entries whose lemma names a decision outcome
    ('godkendtes' -> 'godkende'), saved with the model (a few KB) for reading decisions.

    The full table is 12 MB (550,000 forms) and takes seconds to read; copying it into models/ would
    make the tracked folder large and every worker would pay for it at load time.
    """

    def __init__(self, name: str):
        self.name = name
        self._lookups = None
        self.outcome_lemmas: dict[str, str] = {}

    @property
    def lookups(self):
        if self._lookups is None:
            from spacy.lookups import load_lookups

            self._lookups = load_lookups("da", ["lemma_lookup"])
        return self._lookups

    def initialize(self, get_examples=None, nlp=None) -> None:
        """Keep the forms whose lemma, read as a decision, has an outcome (called by `minutes build-model`)."""
        import spacy_lookups_data
        import srsly

        # the source file, not the spaCy table: a Table is keyed by hashes and cannot list its forms
        source = srsly.read_gzip_json(Path(spacy_lookups_data.__file__).parent / "data" / "da_lemma_lookup.json.gz")
        forms: dict[str, list[str]] = {}
        for form, lemma in source.items():
            if form != lemma:
                forms.setdefault(lemma, []).append(form)
        # a lemma counts alone ('godkende') or after a negation the rules read ('ikke vedtage')
        keep = {lemma for lemma in forms
                if any(read_decision(text, None).outcome not in ("other", "none") for text in (lemma, f"ikke {lemma}"))}
        self.outcome_lemmas = {form: lemma for lemma in sorted(keep) for form in sorted(forms[lemma])}

    def __call__(self, doc: Doc) -> Doc:
        table = self.lookups.get_table("lemma_lookup")
        for token in doc:
            token.lemma_ = table.get(token.text, token.text)
        return doc

    def to_disk(self, path, exclude=()) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        (path / "cfg.json").write_text(json.dumps({"lang": "da", "tables": ["lemma_lookup"],
                                                   "source": "spacy-lookups-data (installed package)"}) + "\n")
        (path / "outcome_lemmas.json").write_text(
            json.dumps(self.outcome_lemmas, ensure_ascii=False, indent=0, sort_keys=True) + "\n", encoding="utf-8")

    def from_disk(self, path, exclude=()) -> "LookupLemmatizer":
        file = Path(path) / "outcome_lemmas.json"
        if file.exists():
            self.outcome_lemmas = json.loads(file.read_text(encoding="utf-8"))
        return self
