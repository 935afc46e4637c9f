"""Typed records passed between the stages (extract -> parse -> warehouse -> search).

Every stage imports these and nothing from the stages after it.
"""
from __future__ import annotations

from dataclasses import dataclass, field


# --------------------------------------------------------------------------- extract
@dataclass
class Line:
    """One printed line of a page, with where and how it was printed."""

    page: int  # 1-based
    top: float
    x0: float
    x1: float
    text: str
    font: str = ""
    size: float = 0.0
    bold: bool = False
    italic: bool = False
    # Vertical white space between this line and the one above it on the page.
    gap_before: float = 0.0
    bullet: bool = False  # a list bullet was printed before the text (and removed from it)


@dataclass
class Page:
    number: int  # 1-based
    width: float
    height: float
    lines: list[Line] = field(default_factory=list)
    has_text_layer: bool = True
    removed_lines: list[Line] = field(default_factory=list)  # running headers/footers
    ocr: bool = False  # the lines were read by OCR (the page has no text layer)
    ocr_confidence: float | None = None  # OCR's mean word confidence, 0-100


@dataclass
class ExtractedDocument:
    source_file: str  # file name as ingested
    sha256: str
    pages: list[Page]
    engine: str = "pdfplumber"

    @property
    def lines(self) -> list[Line]:
        return [line for page in self.pages for line in page.lines]

    @property
    def pages_without_text(self) -> list[int]:
        return [p.number for p in self.pages if not p.has_text_layer]

    @property
    def ocr_pages(self) -> list[int]:
        return [p.number for p in self.pages if p.ocr]


# --------------------------------------------------------------------------- parse
@dataclass
class ParseWarning:
    code: str  # e.g. "item_without_decision", "unparsed_date"
    message: str
    item_number: int | None = None
    page: int | None = None


@dataclass
class CaseNumber:
    """A case/journal number as printed, plus its KLE parts when it is a KLE number."""

    printed: str
    scheme: str  # "kle", "emn", "year-serial", "slash", "other"
    main_group: str | None = None  # "27"
    group: str | None = None  # "27.00"
    subject: str | None = None  # "27.00.00"
    facet: str | None = None  # "A00"
    serial: str | None = None  # "19"
    year: str | None = None  # "20" (two digits as printed)


@dataclass
class Section:
    """A titled part of an agenda item (Sagsfremstilling, Økonomi, Beslutning, ...)."""

    heading: str  # as printed
    kind: str  # normalised kind: the labels of pipeline/parse/lexicon/headings.jsonl, "intro", "other", "earlier_decision"
    text: str
    first_page: int
    last_page: int
    position: int = 0
    # character offset in `text` where each page after first_page begins (page-exact search citations)
    page_starts: list[int] = field(default_factory=list)


@dataclass
class Votes:
    """Who voted how, as printed. Each side lists voters: a party's normalised list letter ("F") when a
    party voted as a group, or a person's name without the party ("Bjarke Abel") when a member is named;
    the named members' parties are in `parties`. Counts are kept when printed ("med stemmerne 11 for og 8 imod")."""

    for_: list[str] = field(default_factory=list)
    against: list[str] = field(default_factory=list)
    abstain: list[str] = field(default_factory=list)
    parties: dict[str, str] = field(default_factory=dict)  # person name -> party letter as printed/normalised
    for_count: int | None = None
    against_count: int | None = None
    abstain_count: int | None = None

    def as_gold(self) -> dict:
        return {"for": list(self.for_), "against": list(self.against), "abstain": list(self.abstain)}


@dataclass
class ProtocolNote:
    """A statement recorded with a decision that is not the decision itself."""

    kind: str  # "protokollat" | "mindretalsudtalelse" | "forbehold" (reservation) | "bemaerkning" (remark)
    text: str


@dataclass
class Decision:
    text: str | None
    outcome: str  # approved, approved_with_changes, noted, discussed, postponed, rejected, other, none
    votes: Votes | None = None
    notes: list[ProtocolNote] = field(default_factory=list)
    # None when there is no recommendation to deviate from or the outcome says nothing about it
    # (noted, discussed, other, none); True when the body decided something other than recommended.
    deviates_from_recommendation: bool | None = None
    heading: str | None = None
    page: int | None = None


@dataclass
class Absence:
    name: str
    note: str | None = None


@dataclass
class Substitute:
    """'Y mødte som stedfortræder for X': Y sat in for member X."""

    name: str
    substitute_for: str


@dataclass
class Item:
    number: int | None
    title: str
    case_number: CaseNumber | None = None
    closed: bool = False
    first_page: int | None = None
    last_page: int | None = None
    recommendation: str | None = None
    decision: Decision | None = None
    absent: list[str] = field(default_factory=list)
    attachments: list[str] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    position: int = 0  # order in the document


@dataclass
class Meeting:
    source_file: str
    municipality: str | None = None
    committee: str | None = None
    document_type: str = "referat"
    meeting_date: str | None = None  # ISO
    start_time: str | None = None  # HH:MM
    end_time: str | None = None
    location: str | None = None
    members: list[str] = field(default_factory=list)
    absent: list[Absence] = field(default_factory=list)
    substitutes: list[Substitute] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    warnings: list[ParseWarning] = field(default_factory=list)
    unassigned_pages: list[int] = field(default_factory=list)

    def as_gold(self) -> dict:
        """This meeting in the gold JSON shape (../shared/eval/GOLD_FORMAT.md), straight from the parser."""
        return {
            "source_file": self.source_file, "municipality": self.municipality, "committee": self.committee,
            "document_type": self.document_type, "meeting_date": self.meeting_date,
            "start_time": self.start_time, "end_time": self.end_time, "location": self.location,
            "members": list(self.members),
            "absent": [{"name": a.name, "note": a.note} for a in self.absent],
            "items": [{
                "number": i.number, "title": i.title,
                "case_number": i.case_number.printed if i.case_number else None,
                "closed": i.closed, "first_page": i.first_page, "last_page": i.last_page,
                "recommendation": i.recommendation,
                "decision": i.decision.text if i.decision else None,
                "decision_outcome": i.decision.outcome if i.decision else "none",
                "votes": i.decision.votes.as_gold() if i.decision and i.decision.votes else None,
                "absent": list(i.absent), "attachments": list(i.attachments),
            } for i in self.items],
        }


@dataclass
class ParsedDocument:
    """Everything one PDF yields: extraction facts plus the parsed meeting."""

    extracted: ExtractedDocument
    meeting: Meeting
    # Channel the document came through: 'pdf' (a published file) or 'portal_json' (a meeting portal's
    # structured data). Both channels of one meeting load into one meeting row; the structured one wins.
    source_kind: str = "pdf"
