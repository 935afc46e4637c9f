"""Who was there: member lists, absences with qualifiers, and absence per item."""
from __future__ import annotations

import re

from rapidfuzz import fuzz, process

from pipeline.model import Absence, Meeting
from pipeline.parse.patterns import Lexicon

_PARTY = re.compile(r"\s*\((?:[A-ZÆØÅ]{1,3}|[A-ZÆØÅ][a-zæøå]+)\)")
# "X deltog ved punkterne 82, 88 og 89", "X forlod mødet kl. 20.20 efter punkt 51", ...
_QUALIFIER = re.compile(
    r"\s+\(?(?=(?:deltog|deltager|forlod|ankom|mødte|kom|var\s+inhabil|var\s+fraværende|var\s+ikke|gik|"
    r"havde\s+forfald|måtte\s+forlade|fra\s+kl\.|til\s+kl\.|under\s+behandlingen|efter\s+punkt|ved\s+punkt)\b)",
    re.IGNORECASE)
_ITEM_NUMBERS = re.compile(r"punkt(?:erne|et)?\s+((?:\d+\s*(?:,|og|-|–|til)?\s*)+)", re.IGNORECASE)
# Item absence lines ("Fraværende: X") are matched with the lexicon's absence_labels table.


def _lexicon(lexicon: Lexicon | None) -> Lexicon:
    return lexicon if lexicon is not None else Lexicon.seed()


def clean_name(text: str, lexicon: Lexicon | None = None) -> str:
    """'Lolan Ottesen (A) - formand' -> 'Lolan Ottesen' (roles: the lexicon's people_words)."""
    name = _lexicon(lexicon).role_re.sub("", _PARTY.sub("", text)).strip(" .,;:")
    return re.sub(r"\s+", " ", name)


def split_names(text: str, lexicon: Lexicon | None = None) -> list[str]:
    """A printed list of people: commas, 'og', line breaks; party letters and roles dropped."""
    lexicon = _lexicon(lexicon)
    text = text.strip()
    if not text or lexicon.nobody_re.match(text):
        return []
    parts = re.split(r"\s*[,;]\s*|\s+og\s+(?=[A-ZÆØÅ])|\n", text)
    names = []
    for part in parts:
        name = clean_name(part, lexicon)
        if name and not lexicon.nobody_re.match(name) and re.match(r"[A-ZÆØÅ]", name):
            names.append(name)
    return names


def split_absence(text: str, members: list[str], lexicon: Lexicon | None = None) -> list[Absence]:
    """'Torben Holm-Jensen deltog fra kl. 09.20 under behandlingen af punkt 74' -> name + note."""
    lexicon = _lexicon(lexicon)
    text = text.strip()
    if not text or lexicon.nobody_re.match(text):
        return []
    absences = []
    for chunk in re.split(r"\s*;\s*|(?<=\.)\s+(?=[A-ZÆØÅ])", text):
        chunk = chunk.strip(" .")
        if not chunk:
            continue
        match = _QUALIFIER.search(chunk)
        if match:
            names = split_names(chunk[: match.start()], lexicon)
            note = chunk[match.end():].strip(" .()") or None
            absences.extend(Absence(match_member(n, members), note) for n in names)
        else:
            absences.extend(Absence(match_member(n, members), None) for n in split_names(chunk, lexicon))
    return absences


_SUBSTITUTE = re.compile(
    r"(?P<sub>[A-ZÆØÅ][\w.\- ]+?)(?:\s*\([A-ZÆØÅ]{1,2}\))?\s+(?:mødte|deltog|indkaldt|var\s+indkaldt)\s+som\s+"
    r"(?:stedfortræder|suppleant)\s+for\s+(?P<for>[A-ZÆØÅ][\w.\- ]+?)(?:\s*\([A-ZÆØÅ]{1,2}\))?(?=[.,;]|\s*$)")
_SUBSTITUTE_LABEL = re.compile(r"^(?:stedfortræder|suppleant)e?r?\s*:\s*(?P<sub>[A-ZÆØÅ][\w.\- ]+?)(?:\s*\([A-ZÆØÅ]{1,2}\))?"
                               r"\s+for\s+(?P<for>[A-ZÆØÅ][\w.\- ]+?)(?:\s*\([A-ZÆØÅ]{1,2}\))?\.?$", re.IGNORECASE)


def find_substitutes(text: str) -> list[tuple[str, str]]:
    """(substitute, member) pairs: 'Y mødte som stedfortræder for X', 'Stedfortræder: Y for X'."""
    found = [(m.group("sub").strip(), m.group("for").strip()) for m in _SUBSTITUTE.finditer(text)]
    label = _SUBSTITUTE_LABEL.match(text.strip())
    if label:
        found.append((label.group("sub").strip(), label.group("for").strip()))
    return found


def match_member(name: str, members: list[str], threshold: float = 85.0) -> str:
    """The member list's spelling of `name` when one is close enough (rapidfuzz), else `name`."""
    if not members:
        return name
    best = process.extractOne(name, members, scorer=fuzz.WRatio)
    return best[0] if best and best[1] >= threshold else name


def _numbers(text: str) -> list[int]:
    found = []
    for match in _ITEM_NUMBERS.finditer(text):
        chunk = match.group(1)
        for a, b in re.findall(r"(\d+)\s*(?:-|–|til)\s*(\d+)", chunk):
            found.extend(range(int(a), int(b) + 1))
        found.extend(int(n) for n in re.findall(r"\d+", chunk))
    return sorted(set(found))


def absent_items(note: str | None, item_numbers: list[int]) -> set[int] | None:
    """Items a partially present member missed, from the printed qualifier; None = all items.

    'deltog ved punkterne 2, 3 og 4' / 'deltog kun ved punkt 12' -> every other item;
    'deltog ikke i behandlingen af punkt 45' -> that item; 'deltog fra kl. 19.00 under behandlingen
    af punkt 124' -> items before 124; 'forlod mødet kl. 20.20 efter punkt 51' -> items after 51.
    """
    if not note:
        return None
    low = note.lower()
    numbers = _numbers(low)
    if not numbers:
        return None
    if re.search(r"deltog\s+ikke|var\s+inhabil|ikke\s+i\s+behandlingen|fraværende\s+under", low):
        return set(numbers)
    if re.search(r"deltog\s+(?:kun\s+)?(?:ved|i)\s+punkt|deltog\s+kun", low):
        return set(item_numbers) - set(numbers)
    if re.search(r"ankom|deltog\s+fra|kom\s+(?:kl|til)|mødte\s+(?:kl|op)", low):
        first = min(numbers)
        if re.search(r"efter\s+punkt", low):
            return {n for n in item_numbers if n <= first}
        return {n for n in item_numbers if n < first}
    if re.search(r"forlod|gik\s+kl|måtte\s+forlade", low):
        last = max(numbers)
        if re.search(r"under\s+(?:behandlingen\s+af\s+)?punkt|før\s+punkt", low):
            return {n for n in item_numbers if n >= last}
        return {n for n in item_numbers if n > last}
    return set(numbers)


def resolve_attendance(meeting: Meeting, whole_meeting_per_item: bool = True) -> None:
    """Meeting-level absences become per-item absences (those whose qualifier names items, and with
    `whole_meeting_per_item` the ones for the whole meeting too); absences printed only under items become
    meeting-level absences when the meeting lists none."""
    numbers = [item.number for item in meeting.items if item.number is not None]
    for absence in meeting.absent:
        missed = absent_items(absence.note, numbers)
        if missed is None and not whole_meeting_per_item:
            continue
        for item in meeting.items:
            if (missed is None or item.number in missed) and absence.name not in item.absent:
                item.absent.append(absence.name)
    if not meeting.absent:
        seen: list[str] = []
        for item in meeting.items:
            seen.extend(name for name in item.absent if name not in seen)
        meeting.absent = [Absence(name, None) for name in seen]
