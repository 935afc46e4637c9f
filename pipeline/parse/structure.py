"""Document structure: body font, item headings (not the table of contents), item blocks, sections."""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from pipeline.model import Line
from pipeline.parse.case_numbers import bare_case_number, parse_case_number
from pipeline.parse.headings import HeadingMatch, classify_heading
from pipeline.parse.patterns import Lexicon

# "82. Titel", "5) Titel", "12 - Titel"
_NUMBERED_ITEM = re.compile(r"^(\d{1,4})\s*(?:[.)]|\s[-–:])\s*(\S.*)$")
# "12 Titel" without punctuation: only trusted on emphasised lines
_SPACED_ITEM = re.compile(r"^(\d{1,3})\s+(?=[A-ZÆØÅ§])(\S.*)$")
_TOC_LEADER = re.compile(r"(\.\s*){4,}\s*\d*\s*$|…+\s*\d+\s*$")
_TRAILING_PAGE = re.compile(r"\s\d{1,3}$")
_TITLE_CASE = re.compile(r"\s*\(\s*([^()]*\d[^()]*)\s*\)\s*$")


@dataclass
class ItemHeading:
    index: int  # index of the heading line in the document's line list
    number: int
    title_lines: list[int]
    title: str
    closed: bool
    case_in_title: str | None = None


@dataclass
class RawSection:
    heading: HeadingMatch | None
    lines: list[Line] = field(default_factory=list)


def body_is_bold(lines: list[Line]) -> bool:
    """Whether most characters are printed bold (then bold marks nothing)."""
    bold = sum(len(line.text) for line in lines if line.bold)
    return bold * 2 > sum(len(line.text) for line in lines)


def body_font_size(lines: list[Line]) -> float:
    """The size most characters are printed in."""
    sizes: Counter[float] = Counter()
    for line in lines:
        sizes[round(line.size * 2) / 2] += len(line.text)
    return sizes.most_common(1)[0][0] if sizes else 10.0


def emphasized(line: Line, body_size: float) -> bool:
    return line.bold or line.size >= body_size + 0.9


def _item_start(line: Line, body_size: float, lexicon: Lexicon) -> tuple[int, str, bool] | None:
    text = line.text.strip()
    match = lexicon.prefixed_item_re.match(text)
    strong = match is not None
    if not match:
        match = _NUMBERED_ITEM.match(text)
    if not match and emphasized(line, body_size):
        match = _SPACED_ITEM.match(text)
    if not match:
        return None
    number, title = int(match.group(1)), match.group(2).strip()
    if not (strong or emphasized(line, body_size)):
        # a plain-typography document: a numbered line standing apart, not a sentence in a list
        if line.gap_before < body_size * 0.5 or title.endswith((".", ",", ";", ":")) or len(title.split()) > 20:
            return None
    if strong and not emphasized(line, body_size) and len(title.split()) > 20:
        return None
    if not (title[:1].isupper() or title[:1].isdigit() or title[:1] in "§\"'”“«(") or title.lower().startswith("at "):
        return None
    if _TOC_LEADER.search(text):
        return None
    return number, title, emphasized(line, body_size)


def _look(line: Line, lexicon: Lexicon) -> tuple[float, bool, bool]:
    text = line.text.strip()
    return round(line.size * 2) / 2, line.bold, bool(lexicon.prefixed_item_re.match(text) or lexicon.bare_number_re.match(text))


def _dominant_heading_look(lines: list[Line], found_all: list, lexicon: Lexicon) -> list:
    """Keep the candidates printed like the document's item headings.

    Numbered bold sub-headings inside a case ("4. Praksisnær metodeudvikling") look like items; the
    item headings are the largest numbered lines that recur, so among looks (size, weight, 'Punkt'
    prefix) that occur at least twice (or a third as often as the commonest), the largest wins.
    """
    if len(found_all) < 2:
        return found_all
    looks = Counter(_look(lines[index], lexicon) for index, _ in found_all)
    commonest = max(looks.values())
    eligible = [look for look, count in looks.items() if count >= max(2, commonest / 3)]
    if not eligible:
        return found_all
    best = max(eligible, key=lambda look: (look[0], look[2], looks[look]))
    return [(index, found) for index, found in found_all if _look(lines[index], lexicon) == best]


def _number_above_title(lines: list[Line], index: int, body_size: float, lexicon: Lexicon) -> tuple[int, str, bool] | None:
    """'Punkt 5' (or '5.') alone on an emphasised line, with the title on the next line."""
    line = lines[index]
    match = lexicon.bare_number_re.match(line.text.strip())
    if not match or not emphasized(line, body_size) or index + 1 >= len(lines):
        return None
    title_line = lines[index + 1]
    if title_line.page != line.page or not emphasized(title_line, body_size) or title_line.text[:1].islower():
        return None
    return int(match.group(1)), title_line.text.strip(), True


def _longest_increasing(cands: list[tuple[int, int]]) -> list[int]:
    """Indices (into cands) of the longest run with strictly increasing item numbers."""
    n = len(cands)
    best_len = [1] * n
    prev = [-1] * n
    for i in range(n):
        for j in range(i):
            if cands[j][1] < cands[i][1] and best_len[j] + 1 > best_len[i]:
                best_len[i], prev[i] = best_len[j] + 1, j
    if not n:
        return []
    end = max(range(n), key=lambda i: (best_len[i], i))
    chain = []
    while end != -1:
        chain.append(end)
        end = prev[end]
    return chain[::-1]


def find_item_headings(lines: list[Line], body_size: float, lexicon: Lexicon) -> list[ItemHeading]:
    """Item headings in document order, table-of-contents entries left out."""
    found_all = [(index, _item_start(line, body_size, lexicon) or _number_above_title(lines, index, body_size, lexicon))
                 for index, line in enumerate(lines)]
    found_all = [(index, found) for index, found in found_all if found]
    # "Punkt 5. Anbefales." in plain body text quotes an item; when the document sets its item
    # headings apart typographically, only such emphasised lines are headings.
    if any(found[2] for _, found in found_all):
        found_all = [(index, found) for index, found in found_all if found[2]]
    found_all = _dominant_heading_look(lines, found_all, lexicon)
    candidates: list[tuple[int, int, str]] = [(index, found[0], found[1]) for index, found in found_all]
    # A table of contents lists the same numbers earlier, densely, with page numbers: when a
    # number occurs twice, the earlier occurrence that ends in a page number is a TOC entry.
    later_numbers: Counter[int] = Counter(number for _, number, _ in candidates)
    kept = []
    for index, number, title in candidates:
        if later_numbers[number] > 1 and _TRAILING_PAGE.search(lines[index].text):
            later_numbers[number] -= 1
            continue
        if later_numbers[number] > 1 and _is_dense_list(lines, index, candidates):
            later_numbers[number] -= 1
            continue
        kept.append((index, number, title))
    chain = _longest_increasing([(i, n) for i, n, _ in kept])
    headings = []
    for k in chain:
        index, number, title = kept[k]
        title_lines = [index]
        if lexicon.bare_number_re.match(lines[index].text.strip()):
            title_lines.append(index + 1)
        head = lines[title_lines[-1]]
        nxt = title_lines[-1] + 1
        while nxt < len(lines):
            line = lines[nxt]
            same_look = (line.page == head.page and line.bold == head.bold and abs(line.size - head.size) < 0.4
                         and line.gap_before < head.size * 0.9 and len(title_lines) < 4)
            lowercase_start = line.text[:1].islower()
            if same_look and (lowercase_start or (not classify_heading(line.text, True, lexicon)
                                                  and not bare_case_number(line.text)
                                                  and not _item_start(line, body_size, lexicon))):
                title = f"{title} {line.text.strip()}"
                title_lines.append(nxt)
                nxt += 1
            else:
                break
        closed = bool(lexicon.closed_title_re.match(title))
        case_in_title = None
        labelled = lexicon.title_case_label_re.search(title)
        if labelled and parse_case_number(labelled.group(1)):
            case_in_title = parse_case_number(labelled.group(1)).printed
            title = title[: labelled.start()].strip()
        match = _TITLE_CASE.search(title)
        if match and case_in_title is None and parse_case_number(match.group(1)):
            case_in_title = parse_case_number(match.group(1)).printed
            title = title[: match.start()].strip()
        headings.append(ItemHeading(index, number, title_lines, title, closed, case_in_title))
    return headings


def _is_dense_list(lines: list[Line], index: int, candidates: list[tuple[int, int, str]]) -> bool:
    """True when the next candidate follows within two lines (a list, not an item with a body)."""
    positions = [i for i, _, _ in candidates]
    k = positions.index(index)
    return k + 1 < len(positions) and positions[k + 1] - index <= 2


def closed_flag(text: str, lexicon: Lexicon) -> bool:
    """A line that marks the item closed ('Lukket punkt', 'Behandles for lukkede døre')."""
    return bool(lexicon.closed_flag_re.match(text.strip()))


def _looks_like_section_heading(line: Line, section_size: float) -> bool:
    """A short bold line printed exactly like this document's section headings, whatever its words."""
    text = line.text.strip()
    return (section_size > 0 and line.bold and abs(line.size - section_size) <= 0.3 and text[:1].isupper()
            and len(text.split()) <= 6 and not text.endswith((".", ",", ";")) and not any(c.isdigit() for c in text))


def _short_title(text: str) -> bool:
    """Short, no sentence punctuation at the end, no figures: could be a heading, not a sentence or a table row."""
    return (len(text.split()) <= 8 and not text.endswith((".", ",", ";")) and not any(c.isdigit() for c in text))


def _capitalised(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 4 and all(c.isupper() for c in letters)


def _starts_something_else(line: Line, body_bold: bool) -> bool:
    """A heading in any typographic form, whatever its words: a short line in capitals ("FORSLAG FRA
    GRUPPEN"), or a short bold line in a document whose body text is not bold. A bold label ending in a
    colon ("Orientering:") introduces what follows inside the same section."""
    text = line.text.strip()
    if line.bullet or not text[:1].isupper() or not _short_title(text):
        return False
    return _capitalised(text) or (line.bold and not body_bold and not text.endswith(":"))


def split_sections(lines: list[Line], body_size: float, lexicon: Lexicon, section_size: float = 0.0,
                   body_bold: bool = False) -> list[RawSection]:
    """Cut an item's lines at its section headings. The first section has heading None.

    Headings are known by wording (vocabulary, decision-heading forms) or, for words the vocabulary
    lacks, by typography: printed like the document's other section headings, in capitals, or bold
    in a body that is not (kind 'other'). So a decision ends where the document starts something else.
    """
    sections = [RawSection(None)]
    for line in lines:
        heading = None if line.bullet else classify_heading(line.text, emphasized(line, body_size), lexicon)
        if heading is None and not line.bullet and (_looks_like_section_heading(line, section_size)
                                                     or _starts_something_else(line, body_bold)):
            heading = HeadingMatch("other", line.text.strip().rstrip(":"))
        if heading:
            section = RawSection(heading)
            sections.append(section)
            if heading.rest:
                section.lines.append(Line(page=line.page, top=line.top, x0=line.x0, x1=line.x1,
                                          text=heading.rest, font=line.font, size=line.size))
        else:
            sections[-1].lines.append(line)
    return sections


def document_level_start(block: list[Line], heading_size: float, section_size: float, body_size: float,
                         lexicon: Lexicon) -> int:
    """Index in an item's block where a document-level part begins (e.g. a full 'Bilag' list after
    the last item), recognised by a heading printed like an item heading rather than a section
    heading. len(block) when there is none."""
    if heading_size - section_size < 0.5:
        return len(block)
    for index, line in enumerate(block):
        if line.size >= heading_size - 0.25 and emphasized(line, body_size) \
                and classify_heading(line.text, True, lexicon):
            return index
    return len(block)


def typical_sizes(lines: list[Line], headings: list[ItemHeading], body_size: float, lexicon: Lexicon) -> tuple[float, float]:
    """(item heading size, section heading size) as printed in this document."""
    if not headings:
        return 0.0, 0.0
    item_sizes = sorted(lines[h.index].size for h in headings)
    heading_size = item_sizes[len(item_sizes) // 2]
    heading_lines = {i for h in headings for i in h.title_lines}
    sizes: Counter[float] = Counter()
    for index in range(headings[0].index, len(lines)):
        line = lines[index]
        if index not in heading_lines and emphasized(line, body_size) and len(line.text.split()) <= 6 \
                and classify_heading(line.text, True, lexicon):
            sizes[round(line.size * 2) / 2] += 1
    section_size = sizes.most_common(1)[0][0] if sizes else body_size
    return heading_size, section_size
