"""What looks wrong in a parsed meeting, whichever reader made it (PDF layout or portal JSON)."""
from __future__ import annotations

from pipeline.model import Meeting, ParseWarning
from pipeline.parse.patterns import Lexicon


def meeting_warnings(meeting: Meeting, lexicon: Lexicon) -> list[ParseWarning]:
    """Missing date, committee or items; a repeated item number; minutes items without a decision (signature
    pages and the like need none); absentees who are not in the member list."""
    found = []
    if not meeting.meeting_date:
        found.append(ParseWarning("unparsed_date", "no meeting date could be read"))
    if not meeting.committee:
        found.append(ParseWarning("no_committee", "no committee name found"))
    if not meeting.items:
        found.append(ParseWarning("no_items", "no agenda items were recognised"))
    seen: set[int] = set()
    for item in meeting.items:
        if item.number is not None and item.number in seen:
            found.append(ParseWarning("duplicate_item_number", f"item number {item.number} occurs twice",
                                      item.number, item.first_page))
        if item.number is not None:
            seen.add(item.number)
        if meeting.document_type == "referat" and not item.closed and not (item.decision and item.decision.text) \
                and not lexicon.needs_no_decision(item.title):
            found.append(ParseWarning("item_without_decision", f"item {item.number} has no decision",
                                      item.number, item.first_page))
    for absence in meeting.absent:
        if meeting.members and absence.name not in meeting.members:
            found.append(ParseWarning("unmatched_member", f"absent '{absence.name}' is not in the member list"))
    return found
