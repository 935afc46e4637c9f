"""Parse an extracted document into a Meeting: front matter, items, attendance, warnings."""
from __future__ import annotations

from rapidfuzz import fuzz, process

from pipeline.extract.ocr import ocr_warnings
from pipeline.model import Absence, ExtractedDocument, Line, Meeting, ParseWarning
from pipeline.parse.attendance import absent_items
from pipeline.parse.case_numbers import bare_case_number
from pipeline.parse.items import build_item
from pipeline.parse.metadata import read_front_matter
from pipeline.parse.structure import body_font_size, document_level_start, find_item_headings, typical_sizes
from pipeline.parse.vocabulary import ITEMS_WITHOUT_DECISION


def parse_document(doc: ExtractedDocument, nlp=None) -> Meeting:
    """The meeting a cleaned ExtractedDocument describes. `nlp` is the loaded spaCy pipeline."""
    if nlp is None:
        from pipeline.parse.nlp import load_pipeline
        nlp = load_pipeline()
    lines: list[Line] = doc.lines
    running = [line for page in doc.pages for line in page.removed_lines]
    meeting = Meeting(source_file=doc.source_file)
    body_size = body_font_size(lines)
    headings = find_item_headings(lines, body_size)

    front_end = headings[0].index if headings else len(lines)
    read_front_matter(lines[:front_end], running, lines, meeting)

    heading_size, section_size = typical_sizes(lines, headings, body_size)
    appendix_pages: set[int] = set()
    # item blocks: from after the title lines to the next heading, minus a bare case number
    # printed just above the next heading (it belongs to the next item)
    for position, heading in enumerate(headings):
        start = heading.title_lines[-1] + 1
        end = headings[position + 1].index if position + 1 < len(headings) else len(lines)
        block = lines[start:end]
        cut = document_level_start(block, heading_size, section_size, body_size)
        appendix_pages.update(line.page for line in block[cut:])  # e.g. the full Bilag list after the last item
        block = block[:cut]
        while block and position + 1 < len(headings) and bare_case_number(block[-1].text):
            block = block[:-1]
        # a bare case number printed just above the heading belongs to this item
        above = heading.index - 1
        previous_end = headings[position - 1].title_lines[-1] if position else -1
        leading_case = [lines[above]] if above > previous_end and bare_case_number(lines[above].text) else []
        item = build_item(heading, leading_case + block, body_size, position,
                          meeting.meeting_date, meeting.committee, meeting.members, section_size)
        item.first_page = lines[heading.index].page
        item.last_page = (block[-1].page if block else lines[heading.title_lines[-1]].page)
        meeting.items.append(item)

    nlp_refine(meeting, nlp)
    _resolve_document_type(meeting)
    _resolve_attendance(meeting)
    _collect_warnings(meeting, doc, front_end, appendix_pages)
    return meeting


def nlp_refine(meeting: Meeting, nlp) -> None:
    """Decisions the word rules left as 'other' go through the spaCy pipeline: its outcome component
    also reads their lookup lemmas ('godkendtes' -> 'godkende')."""
    unclear = [item.decision for item in meeting.items
               if item.decision and item.decision.text and item.decision.outcome == "other"]
    for decision, doc in zip(unclear, nlp.pipe(d.text for d in unclear)):
        if doc._.outcome not in (None, "other", "none"):
            decision.outcome = doc._.outcome


def _resolve_document_type(meeting: Meeting) -> None:
    """An 'agenda' that records decisions is minutes (some systems keep the agenda title)."""
    if meeting.document_type == "dagsorden" and any(item.decision and item.decision.text for item in meeting.items):
        meeting.document_type = "referat"


def _resolve_attendance(meeting: Meeting) -> None:
    """Meeting-level absences become per-item absences; item-only absences become meeting-level."""
    numbers = [item.number for item in meeting.items if item.number is not None]
    for absence in meeting.absent:
        missed = absent_items(absence.note, numbers)
        for item in meeting.items:
            if missed is None or item.number in missed:
                if absence.name not in item.absent:
                    item.absent.append(absence.name)
    if not meeting.absent:
        seen = []
        for item in meeting.items:
            for name in item.absent:
                if name not in seen:
                    seen.append(name)
        meeting.absent = [Absence(name, None) for name in seen]


def _needs_no_decision(title: str) -> bool:
    """Signature pages and the like ("Underskriftsark") are items without a decision by nature."""
    best = process.extractOne(title.lower(), ITEMS_WITHOUT_DECISION, scorer=fuzz.ratio)
    return bool(best and best[1] >= 85)


def _collect_warnings(meeting: Meeting, doc: ExtractedDocument, front_end: int, appendix_pages: set[int]) -> None:
    warn = meeting.warnings.append
    if not meeting.meeting_date:
        warn(ParseWarning("unparsed_date", "no meeting date could be read from the front matter"))
    if not meeting.committee:
        warn(ParseWarning("no_committee", "no committee name found"))
    if not meeting.items:
        warn(ParseWarning("no_items", "no agenda items were recognised"))
    previous = None
    seen = set()
    for item in meeting.items:
        if item.number in seen:
            warn(ParseWarning("duplicate_item_number", f"item number {item.number} occurs twice", item.number, item.first_page))
        if previous is not None and item.number is not None and item.number <= previous:
            warn(ParseWarning("non_increasing_item_number", f"item {item.number} follows item {previous}", item.number, item.first_page))
        seen.add(item.number)
        previous = item.number
        if meeting.document_type == "referat" and not item.closed and not (item.decision and item.decision.text) \
                and not _needs_no_decision(item.title):
            warn(ParseWarning("item_without_decision", f"item {item.number} has no decision", item.number, item.first_page))
    for page in doc.pages:
        if not page.has_text_layer and not page.ocr:
            warn(ParseWarning("no_text_layer", f"page {page.number} has no text layer (scanned?)", None, page.number))
    meeting.warnings.extend(ocr_warnings(doc.pages))
    covered = set(appendix_pages)
    if meeting.items or front_end:
        first_item_page = doc.lines[front_end].page if front_end < len(doc.lines) else None
        for page in doc.pages:
            if first_item_page is not None and page.number <= first_item_page:
                covered.add(page.number)
        for item in meeting.items:
            covered.update(range(item.first_page or 0, (item.last_page or 0) + 1))
    for page in doc.pages:
        if page.lines and page.number not in covered:
            meeting.unassigned_pages.append(page.number)
            warn(ParseWarning("unassigned_page", f"text on page {page.number} belongs to no item", None, page.number))
    for absence in meeting.absent:
        if meeting.members and absence.name not in meeting.members:
            warn(ParseWarning("unmatched_member", f"absent '{absence.name}' is not in the member list"))
