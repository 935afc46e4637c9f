"""One agenda item from its block of lines: case number, sections, recommendation, decision, absences, attachments."""
from __future__ import annotations

import re

from rapidfuzz import fuzz

from pipeline.extract import join_lines
from pipeline.model import Decision, Item, Line, Section
from pipeline.parse.attendance import match_member, split_names
from pipeline.parse.case_numbers import bare_case_number, is_document_label, labelled_case_number, parse_case_number
from pipeline.parse.dates import parse_danish_date
from pipeline.parse.patterns import Lexicon
from pipeline.parse.structure import ItemHeading, RawSection, closed_flag

_LEAD_IN = re.compile(
    r"^(?:.{0,400}?\b(?:indstiller|indstillede|indstilles|foreslår)\b.{0,300}?|det\s+indstilles)"
    r"\s*[,:]?\s*(?=(?:\d{1,2}[.)]\s*)?at\b|[A-Z1-9]\)\s)", re.IGNORECASE | re.DOTALL)
_ATTACHMENT_START = re.compile(r"^(?:bilag\s*(?:nr\.?\s*)?\d+\s*[:.\-–]?|\d{1,2}[.)]\s|\d{4}\s*[-–]\s*\d{3,}\s*[-–]\s)", re.IGNORECASE)
# eDoc prints the attachment's document number before its title ("2012-208960 - Titel")
_DOC_NUMBER_PREFIX = re.compile(r"^\d{4}\s*[-–]\s*\d{3,}\s*[-–]\s*")
# an enumerated list ("1. Titel", "Bilag 1: Titel") numbers its entries; after a bullet the text is all title
_ENUMERATOR = re.compile(r"^(?:bilag\s*(?:nr\.?\s*)?\d+\s*[:.\-–]\s*|\d{1,2}[.)]\s+)", re.IGNORECASE)
_FILE_PATHS = re.compile(r"^(?:\S*[/\\]\S+\.\w{2,5}\s*)+$")
_NO_ATTACHMENTS = re.compile(r"^(ingen|ingen bilag|-|–)\.?$", re.IGNORECASE)
_DECLARED_INHABIL = re.compile(r"erklærede\s+(?P<names>[A-ZÆØÅ][\w.\- ]+?(?:\s*\([A-ZÆØÅ]{1,2}\))?)\s+(?:for\s+)?inhabil")
_PERSON_ABSENT = re.compile(r"^(?P<names>[A-ZÆØÅ][\w.\- ]+?(?:\s*\([A-ZÆØÅ]{1,2}\))?(?:\s*(?:,|og)\s*[A-ZÆØÅ][\w.\- ]+?(?:\s*\([A-ZÆØÅ]{1,2}\))?)*)"
                            r"\s+(?:deltog\s+ikke|var\s+inhabil|var\s+fraværende|forlod\s+mødet)", re.UNICODE)


def _text(lines: list[Line]) -> str:
    return join_lines([line.text for line in lines]).strip()


def _page_starts(lines: list[Line]) -> list[int]:
    """Offset in `_text(lines)` where each page after the first begins (so search can cite the exact page)."""
    starts = []
    if not lines:
        return starts
    for page in range(lines[0].page + 1, lines[-1].page + 1):
        k = next(i for i, line in enumerate(lines) if line.page >= page)
        prefix = join_lines([line.text for line in lines[:k]])
        starts.append(len(prefix) + 1 if prefix else 0)
    return starts


def strip_lead_in(text: str) -> str:
    """'Administrationen indstiller, at …' -> 'at …' (GOLD_FORMAT: recommendation without lead-in)."""
    if re.match(r"^(?:\d{1,2}[.)]\s*)?at\b", text, re.IGNORECASE):
        return text.strip()
    match = _LEAD_IN.match(text)
    if match and match.end() < len(text):
        return text[match.end():].strip()
    return text.strip()


def _attachments(sections: list[RawSection]) -> list[str]:
    entries: list[str] = []
    for section in sections:
        section_entries = _attachment_entries(section)
        # a "Bilag" heading over running prose ("I de vedlagte bilag fremgår …") is not a list
        sentences = sum(len(e.split()) > 14 and e.rstrip().endswith(".") for e, _ in section_entries)
        if section_entries and sentences * 2 > len(section_entries):
            continue
        entries.extend(section_entries)
    titles = [_DOC_NUMBER_PREFIX.sub("", text if bulleted else _ENUMERATOR.sub("", text)).strip()
              for text, bulleted in entries]
    # file paths printed under the titles ("Bilag/Punkt_73_Bilag_1_….pdf") are link targets, not titles
    named = [t for t in titles if t and not _FILE_PATHS.match(t)]
    return named if named else [t for t in titles if t]


def _attachment_entries(section: RawSection) -> list[tuple[str, bool]]:
    """One entry per listed attachment; wrapped titles are joined, outdented text ends the list."""
    lines = [l for l in section.lines if l.text.strip()]
    if not lines:
        return []
    indent = lines[0].x0
    lines = lines[:next((k for k, l in enumerate(lines) if l.x0 < indent - 10), len(lines))]
    right = max(l.x1 for l in lines)
    entries: list[tuple[str, bool]] = []
    current: list[str] = []
    bulleted = False
    previous: Line | None = None
    for line in lines:
        text = line.text.strip()
        if _NO_ATTACHMENTS.match(text):
            continue
        new_entry = (previous is None or line.bullet or bool(_ATTACHMENT_START.match(text))
                     or previous.x1 < right - 60 or line.gap_before > line.size * 0.6
                     or line.page != previous.page)
        if new_entry and current:
            entries.append((join_lines(current), bulleted))
            current = []
        if not current:
            bulleted = line.bullet
        current.append(text)
        previous = line
    if current:
        entries.append((join_lines(current), bulleted))
    return entries


def _split_absences(lines: list[Line], members: list[str], lexicon: Lexicon) -> tuple[list[Line], list[str]]:
    """Remove absence lines from a decision; return the remaining lines and the absent names."""
    kept, absent = [], []
    for line in lines:
        text = line.text.strip()
        match = lexicon.absence_line_re.match(text)
        if match:
            absent.extend(match_member(n, members) for n in split_names(match.group("names"), lexicon))
            continue
        declared = _DECLARED_INHABIL.search(text)
        if declared:
            absent.extend(match_member(n, members) for n in split_names(declared.group("names"), lexicon))
        match = _PERSON_ABSENT.match(text)
        if match and len(text) < 200:
            absent.extend(match_member(n, members) for n in split_names(match.group("names"), lexicon))
            kept.append(line)
            continue
        kept.append(line)
    return kept, absent


def _pick_decision(candidates: list[RawSection], meeting_date: str | None, committee: str | None) -> RawSection | None:
    """This meeting's decision among decision-like sections (others quote earlier meetings)."""
    scored = []
    for section in candidates:
        heading = section.heading
        score = 0.0
        if heading.date_text:
            found = parse_danish_date(heading.date_text)
            if meeting_date and found:
                score += 3 if found.isoformat() == meeting_date else -5
        if heading.owner and committee:
            similarity = fuzz.partial_ratio(heading.owner.lower(), committee.lower())
            score += 1 if similarity >= 80 else -1
        scored.append((score, section))
    usable = [(score, section) for score, section in scored if score >= 0]
    if not usable:
        return None
    best = max(score for score, _ in usable)
    return next(section for score, section in usable if score == best)  # the first of the best


def build_item(heading: ItemHeading, sections: list[RawSection], position: int,
               meeting_date: str | None, committee: str | None, members: list[str], lexicon: Lexicon) -> Item:
    """Everything about one agenda item from its sections (the heading lines excluded).

    The decision comes out with its text, heading and page; what it says (outcome, votes, notes,
    deviation) is read afterwards by the `minutes_decisions` component.
    """
    item = Item(number=heading.number, title=heading.title, closed=heading.closed, position=position)

    # case number: labelled ("Sagsnr.: …"), in the title, or a bare number by the heading
    case = None
    intro = sections[0]
    kept_intro = []
    for line in intro.lines:
        found = labelled_case_number(line.text, lexicon)
        if found and case is None:
            case = found
            continue
        if is_document_label(line.text, lexicon):
            continue
        if case is None and bare_case_number(line.text) and len(kept_intro) == 0:
            case = bare_case_number(line.text)
            continue
        if closed_flag(line.text, lexicon):
            item.closed = True
            continue
        kept_intro.append(line)
    intro.lines = kept_intro
    if case is None and heading.case_in_title:
        case = parse_case_number(heading.case_in_title)
    item.case_number = case

    # sections with text
    recommendation_sections = [s for s in sections if s.heading and s.heading.kind == "recommendation"]
    decision_sections = [s for s in sections if s.heading and s.heading.kind == "decision"]
    chosen = _pick_decision(decision_sections, meeting_date, committee)
    for order, section in enumerate(sections):
        text = _text(section.lines)
        if section.heading is None and not text:
            continue
        kind = section.heading.kind if section.heading else "intro"
        if kind == "decision" and section is not chosen:
            kind = "earlier_decision"
        item.sections.append(Section(
            heading=section.heading.heading if section.heading else "",
            kind=kind, text=text,
            first_page=section.lines[0].page if section.lines else None,
            last_page=section.lines[-1].page if section.lines else None,
            position=order, page_starts=_page_starts(section.lines)))

    # recommendation: the first recommendation section with text, else an "… indstiller, at" paragraph
    recommendation = None
    for section in recommendation_sections:
        text = _text(section.lines)
        if text:
            recommendation = strip_lead_in(text)
            break
    if recommendation is None:
        for section in sections:
            text = _text(section.lines)
            match = re.search(r"[A-ZÆØÅ][^.]{0,120}\bindstiller\s*(?:over\s*for\s+[^,]*)?,?\s*(?=at\b)", text)
            if match and (section.heading is None or section.heading.kind in {"recommendation", "issue"}):
                recommendation = text[match.end():].strip()
                break
    item.recommendation = recommendation or None

    # decision and its absence lines
    absent: list[str] = []
    if chosen is not None:
        kept, absent = _split_absences(chosen.lines, members, lexicon)
        item.decision = Decision(text=_text(kept) or None, outcome="none", heading=chosen.heading.heading,
                                 page=chosen.lines[0].page if chosen.lines else None)
    item.absent = list(dict.fromkeys(absent))
    item.attachments = _attachments([s for s in sections if s.heading and s.heading.kind == "attachments"])
    return item
