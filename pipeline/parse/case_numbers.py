"""Case/journal numbers in every printed form, with KLE numbers split into their parts."""
from __future__ import annotations

import re

from pipeline.model import CaseNumber
from pipeline.parse.patterns import Lexicon

_FACET = r"[A-ZÆØÅ]\d{2}"
KLE = re.compile(rf"(?<![\w.])(\d{{2}})\.(\d{{2}})\.(\d{{2}})(?:-({_FACET}))?(?:-(\d{{1,6}})-(\d{{2,4}}))?(?![\w])")
EMN = re.compile(r"(?<![\w-])([A-ZÆØÅ]{2,5})-(\d{4})-(\d{3,8})(?![\w-])")
YEAR_SERIAL = re.compile(r"(?<![\w/.-])((?:19|20)\d{2}|\d{2})-(\d{3,8})(?:-(\d{1,4}))?(?![\w/-])")
SLASH = re.compile(r"(?<![\w/.-])(\d{2,4})/(\d{2,8})(?![\w/-])")

# The Danish labels ("Sagsnr.", "J.nr.", "Dok.nr.") are data: case_labels.jsonl in the lexicon.


def _lexicon(lexicon: Lexicon | None) -> Lexicon:
    return lexicon if lexicon is not None else Lexicon.seed()


def parse_case_number(text: str, lexicon: Lexicon | None = None) -> CaseNumber | None:
    """Find the first case number in `text` and describe it; None when there is none."""
    text = text.strip()
    candidates = []
    for scheme, pattern in (("kle", KLE), ("emn", EMN), ("year-serial", YEAR_SERIAL), ("slash", SLASH)):
        match = pattern.search(text)
        if match:
            candidates.append((match.start(), scheme, match))
    if not candidates:
        return None
    _, scheme, match = min(candidates, key=lambda c: c[0])
    printed = match.group(0)
    if scheme == "kle":
        main, grp, subj, facet, serial, year = match.groups()
        if facet is None and serial is None:
            # a bare dd.dd.dd is a date or amount far more often than a KLE subject
            if not _lexicon(lexicon).case_label_re.match(text) and not re.fullmatch(r"\s*\d{2}\.\d{2}\.\d{2}\s*", text):
                return None
        return CaseNumber(printed=printed, scheme="kle", main_group=main, group=f"{main}.{grp}",
                          subject=f"{main}.{grp}.{subj}", facet=facet, serial=serial, year=year)
    if scheme == "emn":
        return CaseNumber(printed=printed, scheme="emn", serial=match.group(3), year=match.group(2))
    if scheme == "year-serial":
        return CaseNumber(printed=printed, scheme="year-serial", year=match.group(1), serial=match.group(2))
    return CaseNumber(printed=printed, scheme="slash", year=match.group(1), serial=match.group(2))


def is_document_label(text: str, lexicon: Lexicon | None = None) -> bool:
    """'Dok.nr.: 2012-202935': a document number, not the case's."""
    return bool(_lexicon(lexicon).document_label_re.match(text))


def labelled_case_number(text: str, lexicon: Lexicon | None = None) -> CaseNumber | None:
    """A line such as 'Sagsnr.: 18/13756' or 'Sag nr. 2021-012345' (document numbers excluded)."""
    lexicon = _lexicon(lexicon)
    if lexicon.document_label_re.match(text):
        return None
    match = lexicon.case_label_re.match(text)
    if not match:
        return None
    rest = text[match.end():].strip()
    found = parse_case_number(rest, lexicon)
    if found:
        return found
    token = rest.split()[0] if rest.split() else ""
    return CaseNumber(printed=token, scheme="other") if token and any(ch.isdigit() for ch in token) else None


def bare_case_number(text: str) -> CaseNumber | None:
    """A line that is nothing but a case number (printed above or below an item heading)."""
    found = parse_case_number(text)
    if found and found.printed == text.strip().strip("()"):
        if found.scheme == "kle" and found.facet is None:
            return None
        return found
    return None
