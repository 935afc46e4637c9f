"""Reading a decision: its outcome class, votes, protocol notes and deviation from the recommendation."""
from __future__ import annotations

import re

from pipeline.model import ProtocolNote, Votes

# Cues in Danish as printed; each maps to an outcome. Order of checks matters (see classify_outcome).
_REJECTED = re.compile(r"\bikke\s+(?:blev\s+)?(?:godkend|anbefal|tiltr|vedtag)|\bforkast|\bafvist\b|\bafvises\b|"
                       r"\bblev\s+ikke\s+(?:godkendt|vedtaget|anbefalet)|\bnedstemt")
_POSTPONED = re.compile(r"\budsat\b|\budsættes\b|\budsætter\b|\budskudt|\budskydes|\bpunktet\s+blev\s+udsat")
_WITH_CHANGES = re.compile(r"\bmed\s+(?:den|de|denne|disse|følgende)\s+(?:ændring|ændringer|tilføjelse|tilføjelser|"
                           r"bemærkning|bemærkninger|justering|justeringer)|,?\s*med\s+følgende\s+ændring")
_NOTED = re.compile(r"til\s+efterretning|\btog\s+orienteringen\b|\borienteringen\s+blev\s+modtaget")
_DISCUSSED = re.compile(r"\bdrøft(?:et|ede|es|elsen|else)\b|\bblev\s+drøftet")
_APPROVED = re.compile(r"\bgodkend(?:t|te|tes|es|er|e|elsen|else)?\b|\banbefal(?:es|er|ede|et)\b|\btiltr(?:å|aa)dt|\btiltræde|"
                       r"\bvedtag(?:et|es|ne)\b|\bsom\s+indstillet\b|\bindstilles\s+til\s+godkendelse|\bbevilget\b|\bbevilges\b")

_VOTE_LINE = re.compile(
    r"(?P<label>for\s+stemte|imod\s+stemte|undlod\s+at\s+stemme|hverken\s+for\s+eller\s+imod(?:\s+stemte)?|"
    r"stemte\s+for|stemte\s+imod|undlader|for(?=\s*:)|imod(?=\s*:))\s*(?:\d+\s+medlem(?:mer)?)?\s*:?\s*(?P<who>[^.:]*?)"
    r"(?=\s*(?:\(\d+\)|\.|$|(?:for\s+stemte|imod\s+stemte|undlod|hverken)))",
    re.IGNORECASE)
_PARTY_OR_NAME = re.compile(r"\(([A-ZÆØÅ]{1,2})\)|\b([A-ZÆØÅ])\b|([A-ZÆØÅ][a-zæøå]+(?:\s+[A-ZÆØÅ][a-zæøå]+)+)")
_NOTE = re.compile(r"(protokollat|protokolbemærkning|mindretalsudtalelse|ønsker?\s+(?:sin\s+stemme\s+)?ført\s+til\s+protokol)",
                   re.IGNORECASE)


def classify_outcome(text: str | None) -> str:
    """Outcome class of a decision text (see GOLD_FORMAT.md)."""
    if not text or not text.strip(" .\n"):
        return "none"
    low = re.sub(r"\s+", " ", text.lower())
    main = _NOTE.split(low)[0]  # protocol notes do not change the outcome
    if _REJECTED.search(main) and not re.search(r"\bikke\s+godkendt\s+af\b", main):
        return "rejected"
    if _POSTPONED.search(main):
        return "postponed"
    if _WITH_CHANGES.search(main) and _APPROVED.search(main) and not _NOTED.search(main):
        return "approved_with_changes"
    cues = []
    for outcome, pattern in (("noted", _NOTED), ("discussed", _DISCUSSED), ("approved", _APPROVED)):
        match = pattern.search(main)
        if match:
            cues.append((match.start(), outcome))
    if cues:
        return min(cues)[1]
    return "other"


def _names(who: str) -> list[str]:
    who = re.sub(r"\(\d+\)", "", who)
    parts = re.split(r"\s*,\s*|\s+og\s+|\s*&\s*", who.strip(" ,"))
    out = []
    for part in parts:
        part = part.strip(" .;()")
        party = re.fullmatch(r"\(?([A-ZÆØÅ]{1,2})\)?", part)
        if party:
            out.append(party.group(1))
        elif part and re.match(r"[A-ZÆØÅ]", part) and len(part) <= 60:
            out.append(part)
    return out


def parse_votes(text: str | None) -> Votes | None:
    """'For stemte: A, C, F (5). Imod stemte: V (3). Undlod at stemme: Ø (1).' and the like."""
    if not text:
        return None
    low = text
    if not re.search(r"for\s+stemte|stemte\s+for|imod\s+stemte|stemte\s+imod", low, re.IGNORECASE):
        return None
    votes = Votes()
    for match in _VOTE_LINE.finditer(text):
        label = match.group("label").lower()
        names = _names(match.group("who"))
        if not names:
            continue
        if label.startswith(("for", "stemte for")):
            votes.for_.extend(names)
        elif label.startswith(("imod", "stemte imod")):
            votes.against.extend(names)
        else:
            votes.abstain.extend(names)
    return votes if (votes.for_ or votes.against or votes.abstain) else None


def protocol_notes(text: str | None) -> list[ProtocolNote]:
    """Minority statements and notes to the record, each as its own row."""
    if not text:
        return []
    notes = []
    for sentence in re.split(r"(?<=[.!?])\s+(?=[A-ZÆØÅ])", text):
        low = sentence.lower()
        if "mindretalsudtalelse" in low or "mindretal" in low and "udtal" in low:
            notes.append(ProtocolNote("mindretalsudtalelse", sentence.strip()))
        elif _NOTE.search(sentence):
            notes.append(ProtocolNote("protokollat", sentence.strip()))
    return notes


def deviates(outcome: str, text: str | None, recommendation: str | None) -> bool:
    """Whether the decision departs from what was recommended."""
    if outcome in {"rejected", "approved_with_changes", "postponed"}:
        return True
    if outcome == "other" and recommendation and text:
        return not re.search(r"indstilling|som\s+indstillet", text.lower())
    return False
