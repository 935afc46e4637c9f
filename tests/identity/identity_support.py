"""Helpers for tests/identity (not in conftest.py: several test folders have a module named conftest)."""
from __future__ import annotations

import copy


def variant(parsed, tag: str, **meeting_fields):
    """A copy of a real ParsedDocument as another file (its own sha256) with some meeting fields changed."""
    other = copy.deepcopy(parsed)
    other.extracted.sha256 = (tag * 64)[:64]
    other.extracted.source_file = f"{tag}.pdf"
    other.meeting.source_file = f"{tag}.pdf"
    for name, value in meeting_fields.items():
        setattr(other.meeting, name, value)
    return other
