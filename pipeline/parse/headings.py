"""Is a printed line a heading, and of what? Typography plus Danish wording, matched fuzzily."""
from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.parse.patterns import Lexicon

# The Danish words of the heading forms below are the lexicon's heading_words table.
_LABEL_INLINE = re.compile(r"^([A-ZÆØÅa-zæøå][\wæøåÆØÅ /\-]{2,40}?)\s*:\s*(\S.*)$")


@dataclass
class HeadingMatch:
    kind: str
    heading: str  # the heading part of the line
    rest: str = ""  # text printed after "Heading:" on the same line
    owner: str | None = None  # committee named in a decision heading
    date_text: str | None = None  # date named in a decision heading


def decision_heading(text: str, lexicon: Lexicon) -> HeadingMatch | None:
    """Decision headings that carry their own wording, whatever their typography."""
    low = text.lower()
    if not any(cue in low for cue in lexicon.decision_heading_cues):
        return None  # every form below names one of these; most body lines stop here cheaply
    clean = " ".join(text.split()).rstrip(":")
    if len(clean) > 140:
        return None
    _is_committee_like = lexicon.is_committee_like
    match = lexicon.decision_for_re.match(clean)
    if match and len(clean.split()) <= 16:
        return HeadingMatch("decision", clean, owner=match.group(1).strip(), date_text=match.group(2))
    match = lexicon.owner_decision_re.match(clean)
    if match and match.group(2) and _is_committee_like(match.group(1)):
        return HeadingMatch("decision", clean, owner=match.group(1).strip(), date_text=match.group(2))
    if match and _is_committee_like(match.group(1)) and len(clean.split()) <= 8 and not clean.endswith("."):
        return HeadingMatch("decision", clean, owner=match.group(1).strip())
    match = lexicon.committee_date_item_re.match(clean)
    if match and _is_committee_like(match.group(1)):
        return HeadingMatch("decision", clean, owner=match.group(1).strip(), date_text=match.group(2))
    return None


def classify_heading(text: str, emphasized: bool, lexicon: Lexicon) -> HeadingMatch | None:
    """Section heading kind of one printed line, or None for body text.

    `emphasized`: bold or larger than body text. Plain-typography lines count only when their
    wording is unmistakable (an exact heading word, or a decision heading with its own wording).
    """
    words = text.split()
    clean = " ".join(words)
    if not clean or len(clean) > 160:
        return None
    found = decision_heading(clean, lexicon)
    if found:
        return found
    if emphasized and len(words) <= 14 and lexicon.lead_in_re.match(clean):
        return HeadingMatch("recommendation", clean.rstrip(",:"))
    if lexicon.recommendation_phrase_re.match(clean):
        return HeadingMatch("recommendation", clean.rstrip(",:"))
    if len(words) <= 7:
        kind = lexicon.heading_kind(clean)
        if kind and (emphasized or kind[1] >= 99 and clean[:1].isupper()):
            return HeadingMatch(kind[0], clean.rstrip(":"))
    inline = _LABEL_INLINE.match(clean)
    if inline:
        kind = lexicon.heading_kind(inline.group(1))
        if kind and kind[1] >= 95 and kind[0] in {"decision", "recommendation", "attachments"}:
            return HeadingMatch(kind[0], inline.group(1), rest=inline.group(2))
    if emphasized and len(words) <= 9 and clean[:1].isupper():
        low = clean.lower()
        for variant, kind in lexicon.kind_of_variant.items():
            if low.startswith(variant + " ") and kind not in {"attendance"} and not clean.endswith("."):
                return HeadingMatch(kind, clean.rstrip(":"))
    return None
