"""Document classes: is a parsed PDF minutes/an agenda, or a document published beside them?

A small rule set over the parsed Meeting and the first lines of the document (structure and Danish
wording, never the file name):

- minutes or agenda (`referat`/`dagsorden`, the parser's document type): agenda items together with
  some meeting evidence -- front matter (start time, place, member list, absences), an item with a
  recommendation or a decision, or the word referat/dagsorden/beslutningsprotokol at the head;
  a document with no items but front matter *and* such a head word is a meeting without items;
- otherwise a non-minutes document, named by the word at its head: `kommissorium`, `notat`, `bilag`,
  else `andet`.

The same head text yields the facts meeting identity needs: a printed meeting number ("Møde nr. 7"),
"ekstraordinært møde", and whether the document is a supplementary agenda ("tillægsdagsorden").
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from pipeline.model import ExtractedDocument, Meeting, ParsedDocument


class DocClass(str, Enum):
    REFERAT = "referat"
    DAGSORDEN = "dagsorden"
    BILAG = "bilag"
    NOTAT = "notat"
    KOMMISSORIUM = "kommissorium"
    ANDET = "andet"

    @property
    def is_minutes(self) -> bool:
        return self in (DocClass.REFERAT, DocClass.DAGSORDEN)


HEAD_LINES = 15  # lines of page 1 read as the document's head (title, front matter)
_MINUTES_WORD = re.compile(r"\b(referat|dagsorden|tillægsdagsorden|beslutningsprotokol|mødeindkaldelse)\w*", re.I)
_NON_MINUTES_WORDS = [  # first match wins, checked in this order at the head of the document
    (DocClass.KOMMISSORIUM, re.compile(r"\bkommissori(um|er|et)\b", re.I)),
    (DocClass.NOTAT, re.compile(r"\b(\w*notat|notits|faktaark|redegørelse)\b", re.I)),
    (DocClass.BILAG, re.compile(r"^\s*bilag\b", re.I | re.M)),
]
_EXTRAORDINARY = re.compile(r"\bekstraordinær\w*", re.I)
_SUPPLEMENT = re.compile(r"\btillægsdagsorden\w*|\btillæg\s+til\s+dagsorden", re.I)
_MEETING_NUMBER = re.compile(r"\bmøde\s*(?:nr\.?|nummer)\s*(\d{1,3})\b", re.I)


@dataclass
class DocumentFacts:
    """What the classifier read: the class, a title for non-minutes documents, identity markers."""

    doc_class: DocClass
    title: str | None = None
    marker: str | None = None  # 'ekstraordinær' or 'nr 7': tells two meetings of one day apart
    supplement: bool = False  # a tillægsdagsorden: adds items to its meeting's agenda


def head_text(doc: ExtractedDocument, limit: int = HEAD_LINES) -> str:
    """The first printed lines of the first page with text (running headers excluded)."""
    for page in doc.pages:
        if page.lines:
            return "\n".join(line.text for line in page.lines[:limit])
    return ""


def document_title(doc: ExtractedDocument) -> str | None:
    """The largest printed line on the first page with text (wrapped title lines of that size joined)."""
    for page in doc.pages:
        if not page.lines:
            continue
        top = page.lines[:HEAD_LINES]
        size = max(line.size for line in top)
        picked = [line.text.strip() for line in top if line.size >= size - 0.1 and line.text.strip()]
        title = " ".join(picked[:3]).strip()
        return title[:300] or None
    return None


def _meeting_evidence(meeting: Meeting) -> bool:
    front = bool(meeting.start_time or meeting.location or meeting.members or meeting.absent)
    decided = any(item.recommendation or (item.decision and item.decision.text) for item in meeting.items)
    return front or decided


def classify_document(parsed: ParsedDocument) -> DocumentFacts:
    """Class and identity facts of one parsed document (see the module docstring for the rules)."""
    meeting = parsed.meeting
    head = head_text(parsed.extracted)
    minutes_word = bool(_MINUTES_WORD.search(head))
    if parsed.source_kind != "pdf":  # a portal's meeting data is a meeting by construction
        doc_class = DocClass(meeting.document_type)
    elif meeting.items and (_meeting_evidence(meeting) or minutes_word):
        doc_class = DocClass(meeting.document_type)
    elif not meeting.items and minutes_word and _meeting_evidence(meeting):
        doc_class = DocClass(meeting.document_type)  # a meeting without items (e.g. cancelled)
    else:
        doc_class = next((cls for cls, pattern in _NON_MINUTES_WORDS if pattern.search(head)), DocClass.ANDET)
    marker = None
    number = _MEETING_NUMBER.search(head)
    if _EXTRAORDINARY.search(head):
        marker = "ekstraordinær"
    elif number:
        marker = f"nr {int(number.group(1))}"
    supplement = bool(_SUPPLEMENT.search(head)) and doc_class.is_minutes
    if supplement and not any(item.decision and item.decision.text for item in meeting.items):
        doc_class = DocClass.DAGSORDEN  # a supplementary agenda, whatever title the parser read
    title = None if doc_class.is_minutes else document_title(parsed.extracted)
    return DocumentFacts(doc_class, title, marker, supplement)
