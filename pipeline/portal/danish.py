"""The one door from the portal reader to the Danish text components of pipeline/parse.

"One parser of Danish text, two readers of structure": the PDF path and the portal path read outcome,
votes, protocol notes, deviation, recommendation lead-ins, absences, case numbers and section kinds with
the very same functions. Everything the portal reader needs from pipeline/parse goes through here, so a
change of those interfaces (e.g. a single `read_decision(text, recommendation, lexicon, nlp)`) is a change
of this file only.
"""
from __future__ import annotations

import re

from pipeline.model import CaseNumber, Decision, Meeting
from pipeline.parse import decisions as decision_rules
from pipeline.parse import attendance
from pipeline.parse.attendance import match_member, split_names
from pipeline.parse.case_numbers import parse_case_number
from pipeline.parse.headings import classify_heading, decision_heading
from pipeline.parse.items import strip_lead_in
from pipeline.parse.patterns import Lexicon

OTHER = "other"  # a heading the vocabulary does not know (kind of the PDF path for the same case)


def lexicon() -> Lexicon:
    """The Danish pattern tables of the saved pipeline (models/minutes_da), the ones the PDF parser reads."""
    from pipeline.parse.nlp import load_pipeline

    return load_pipeline().get_pipe("minutes_lexicon").lexicon


def section_kind(heading: str) -> str:
    """Normalised section kind of a printed heading (vocabulary matched with rapidfuzz, as for PDFs)."""
    if decision_heading(heading, lexicon()):
        return "decision"
    found = lexicon().heading_kind(heading)
    return found[0] if found else OTHER


def read_decision(text: str | None, recommendation: str | None, nlp=None) -> Decision:
    """Outcome, votes, notes and deviation of a decision text: the very reader the PDF path uses."""
    return decision_rules.read_decision(text, recommendation, nlp=nlp)


def recommendation_text(text: str) -> str:
    """The recommendation without its lead-in ('Center for X indstiller, at …' -> 'at …')."""
    return strip_lead_in(text)


def case_number(printed: str | None) -> CaseNumber | None:
    """A case number as the portal gives it, with its scheme and KLE parts; None when empty."""
    printed = (printed or "").strip()
    if not printed:
        return None
    return parse_case_number(printed, lexicon()) or CaseNumber(printed, OTHER)


def is_closed_title(title: str) -> bool:
    return bool(lexicon().closed_title_re.match(title.strip()))


def split_decision_absences(lines: list[str], members: list[str]) -> tuple[list[str], list[str]]:
    """Absence lines ('Fraværende: X, Y') removed from a decision's lines; returns (kept lines, absent names)."""
    kept, absent = [], []
    for line in lines:
        match = lexicon().absence_line_re.match(line.strip())
        if match:
            absent.extend(match_member(name, members) for name in split_names(match.group("names"), lexicon()))
        else:
            kept.append(line)
    return kept, list(dict.fromkeys(absent))


def resolve_attendance(meeting: Meeting) -> None:
    """As for PDFs, except absences for the whole meeting: the portal prints per-item absence under each
    decision itself."""
    attendance.resolve_attendance(meeting, whole_meeting_per_item=False)


def clean_lines(text: str) -> list[str]:
    return [line for line in (re.sub(r"\s+", " ", l).strip() for l in text.split("\n")) if line]


def line_heading(text: str, bold: bool) -> str | None:
    """The heading a lone line states ('Sagsprocedure' printed bold, 'Indstilling' alone), or None.

    The PDF path's classify_heading with bold as emphasis; lines with text after a label ('Fraværende: X')
    and attendance labels stay text.
    """
    if len(text.split()) > 7:
        return None
    found = classify_heading(text, bold, lexicon())
    if found is None or found.rest or found.kind == "attendance":
        return None
    return found.heading
