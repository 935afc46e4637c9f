"""Meeting front matter: municipality, committee, document type, date, times, place, members, absences."""
from __future__ import annotations

import re
from collections import Counter

from rapidfuzz import fuzz

from pipeline.extract import join_lines
from pipeline.model import Absence, Line, Meeting
from pipeline.model import Substitute
from pipeline.parse.attendance import clean_name, find_substitutes, match_member, split_absence, split_names
from pipeline.parse.dates import parse_danish_date, parse_times
from pipeline.parse.patterns import Lexicon

_MUNICIPALITY = re.compile(r"\b((?:[A-ZÆØÅ][a-zæøå]+(?:[- ][A-ZÆØÅ][a-zæøå]+)*)\s+Kommune|Region\s+[A-ZÆØÅ][a-zæøå]+)\b")
_COMMITTEE = re.compile(
    r"((?:[A-ZÆØÅ][\wæøå]*-,?\s+(?:og\s+|&\s+)?)*[A-ZÆØÅ][\wæøå]*(?:udvalget|udvalg)\b"
    r"|Udvalget\s+for\s+[A-ZÆØÅ][\wæøå]+(?:(?:,\s+|\s+og\s+|\s+)[A-ZÆØÅa-zæøå][\wæøå]+)*?(?=\s*(?:-|–|$|,|\sd\.|\sden\s|\s\d))"
    r"|(?!Kommunes?\s)[A-ZÆØÅ][a-zæøå]+\s+Udvalg(?:et)?\b(?!\s+for\b)"
    r"|(?:[A-ZÆØÅ][\wæøå]*-,?\s+(?:og\s+)?)*[A-ZÆØÅ][\wæøå]*rådet\b"
    r"|Byrådet|Byråd(?:\s+\d{4}-\d{4})?|Kommunalbestyrelsen|Borgerrepræsentationen|Forretningsudvalget|Magistraten)")


def _label(line_text: str, lexicon: Lexicon) -> tuple[str, str] | None:
    """('members', 'Jens, Bente') for 'Deltagere: Jens, Bente'; None for lines without a known label."""
    text = line_text.strip()
    low = text.lower()
    best = None
    for field_name, labels in lexicon.front_labels.items():
        for label in labels:
            if low.startswith(label) and (len(low) == len(label) or not low[len(label)].isalpha()):
                if best is None or len(label) > len(best[1]):
                    best = (field_name, label)
    if best is None:
        return None
    rest = text[len(best[1]):].lstrip(" :.\t")
    if best[0] == "time" and best[1] == "kl":
        rest = text
    return best[0], rest


def _labelled_blocks(lines: list[Line], lexicon: Lexicon) -> dict[str, list[str]]:
    """Front-matter fields with their text, continuation lines joined to the label they follow."""
    blocks: dict[str, list[str]] = {}
    current: str | None = None
    label_x0 = 0.0
    for line in lines:
        found = _label(line.text, lexicon)
        if found:
            current = found[0]
            label_x0 = line.x0
            blocks.setdefault(current, [])
            if found[1]:
                blocks[current].append(found[1])
        elif current and (line.gap_before < max(line.size, 8) * 0.9 or line.x0 > label_x0 + 20):
            entries = blocks[current]
            if entries and (entries[-1].count("(") > entries[-1].count(")") or line.text[:1].islower()):
                entries[-1] = join_lines([entries[-1], line.text])  # the same statement wrapped
            else:
                entries.append(line.text)
        else:
            current = None
    return blocks


def _committee_from(text: str, lexicon: Lexicon | None = None) -> str | None:
    """The committee named in `text`; a name never carries a following word such as 'Møde' or 'Referat'."""
    match = _COMMITTEE.search(text)
    if not match:
        return None
    words = match.group(1).strip(" ,-–").split(" ")
    stops = (lexicon or Lexicon.seed()).committee_stop_words
    while len(words) > 1 and words[-1].lower().strip(",.:") in stops:
        words.pop()
    name = " ".join(words).strip(" ,-–")
    return name if len(name) > 3 else None


def read_front_matter(front: list[Line], running: list[Line], all_lines: list[Line], meeting: Meeting,
                      lexicon: Lexicon) -> None:
    """Fill the meeting's metadata fields from the lines before the first item."""
    blocks = _labelled_blocks(front, lexicon)

    # municipality: the "X Kommune" named most in the front matter and running headers, else anywhere
    counts: Counter[str] = Counter()
    for pool, weight in ((front[:8] + running, 3), (all_lines, 1)):
        for line in pool:
            for name in _MUNICIPALITY.findall(line.text):
                if name.split()[0] not in lexicon.not_a_place:
                    counts[name] += weight
    if counts:
        meeting.municipality = counts.most_common(1)[0][0]

    # committee: labelled, else the first committee-like phrase in the title block or running header
    committee = None
    if blocks.get("committee"):
        committee = _committee_from(" ".join(blocks["committee"]), lexicon) or " ".join(blocks["committee"]).strip()
    if not committee:
        for line in front[:10] + running[:4]:
            label = _label(line.text, lexicon)
            if label and label[0] != "committee":
                continue
            committee = _committee_from(line.text, lexicon)
            if committee:
                break
    meeting.committee = committee

    # document type: the title words on the cover, else whether decisions exist (decided later)
    doc_type = None
    for line in sorted(front[:12], key=lambda l: -l.size)[:4] + running[:3]:
        doc_type = lexicon.document_type(line.text)
        if doc_type:
            break
    if doc_type:
        meeting.document_type = doc_type

    # date
    date_text = " ".join(blocks.get("date", []))
    found = parse_danish_date(date_text) if date_text else None
    if not found:
        for line in front[:20] + running:
            found = parse_danish_date(line.text)
            if found:
                break
    meeting.meeting_date = found.isoformat() if found else None

    # times
    times: list[str] = []
    for text in blocks.get("time", []) + blocks.get("date", []):
        times = parse_times(text)
        if times:
            break
    if not times:
        for line in front[:20]:
            label = _label(line.text, lexicon)
            if (label[0] in {"date", "time"}) if label else re.search(r"\bkl\.?\s*\d", line.text, re.IGNORECASE):
                times = parse_times(line.text)
                if times:
                    break
    if times:
        meeting.start_time = times[0]
        if len(times) > 1:
            meeting.end_time = times[1]
    end_texts = blocks.get("end", [])
    if not end_texts:
        for line in all_lines:
            if lexicon.meeting_end_re.match(line.text):
                end_texts = [line.text]
                break
    for text in end_texts:
        end = parse_times(text if "kl" in text.lower() else "kl. " + text)
        if end:
            meeting.end_time = end[0]
            break

    # location
    if blocks.get("location"):
        meeting.location = join_lines(blocks["location"]).strip() or None
    else:
        for line in front[:15]:
            match = re.match(r"^(?:i|på)\s+([A-ZÆØÅ].+)$", line.text.strip())
            if match:
                meeting.location = match.group(1).strip()
                break

    # members
    member_lines = blocks.get("members", [])
    meeting.members = split_names(join_lines(member_lines).replace("\n", ", "), lexicon) if member_lines else []
    if member_lines and len(member_lines) > 1 and not any("," in text for text in member_lines):
        meeting.members = [n for text in member_lines for n in split_names(text, lexicon)]
    if not meeting.members:
        meeting.members = _name_column(front, lexicon)

    # absences (with qualifiers), and remarks that carry partial attendance
    absences: list[Absence] = []
    for text in blocks.get("absent", []):
        absences.extend(split_absence(text, meeting.members, lexicon))
    for text in blocks.get("remarks", []):
        if re.search(r"deltog|forlod|ankom|fraværende|afbud", text, re.IGNORECASE):
            absences.extend(a for a in split_absence(text, meeting.members, lexicon) if _is_member(a.name, meeting.members))
    for line in front:
        for substitute, member in find_substitutes(line.text):
            member = match_member(member, meeting.members)
            meeting.substitutes.append(Substitute(substitute, member))
            if not any(a.name == member for a in absences):
                absences.append(Absence(member, f"stedfortræder: {substitute}"))
    merged: dict[str, Absence] = {}
    for absence in absences:
        if absence.name in merged:
            merged[absence.name].note = merged[absence.name].note or absence.note
        else:
            merged[absence.name] = absence
    meeting.absent = list(merged.values())


_PERSON_LINE = re.compile(r"^[A-ZÆØÅ][a-zæøåéü]+(?:[- ][A-ZÆØÅ][a-zæøåéü]+\.?){1,4}(?:\s*\([A-ZÆØÅ]{1,3}\))?"
                          r"(?:\s*[-–,]\s*(?:formand|næstformand|borgmester|viceborgmester))?$")


def _name_column(front: list[Line], lexicon: Lexicon) -> list[str]:
    """Members printed one per line without a known label: the first run of three or more lines
    that each read as a person's name (optionally with party letter and role)."""
    run: list[Line] = []
    for line in front + [Line(page=0, top=0, x0=0, x1=0, text="")]:
        if _PERSON_LINE.match(line.text.strip()) and (not run or abs(line.x0 - run[0].x0) < 3):
            run.append(line)
            continue
        if len(run) >= 3:
            return [clean_name(l.text, lexicon) for l in run]
        run = [line] if _PERSON_LINE.match(line.text.strip()) else []
    return []


def _is_member(name: str, members: list[str]) -> bool:
    return any(fuzz.WRatio(name, m) >= 85 for m in members) if members else True
