"""Layout clean-up shared by all engines: running headers/footers, bullets, spacing, hyphenation."""
from __future__ import annotations

import re
from collections import defaultdict

from pipeline.model import ExtractedDocument, Line

_BULLET = re.compile(r"^\s*([•·▪◦‣●■□►▸\uf0b7\uf0a7\uf0d8\u2022\u2023\u25aa\u25cf\u25a0\-–]|o(?=\s))\s+(?=\S)")
_PAGE_NUMBER = re.compile(r"^\s*(side|sidetal|page|s\.)?\s*:?\s*\d{1,4}(\s*(af|/|of)\s*\d{1,4})?\s*$|^\s*-\s*\d{1,4}\s*-\s*$", re.IGNORECASE)
_HEADER_BAND = 0.20
_FOOTER_BAND = 0.12

# Suspended hyphen: "Sundheds- og Forebyggelsesudvalget" keeps hyphen and space.
_SUSPENDED_NEXT = {"og", "eller", "samt", "til", "som", "&"}


def _exact(line: Line) -> str:
    return re.sub(r"\s+", " ", line.text.lower()).strip()


def _masked(line: Line) -> str:
    return re.sub(r"\d+", "#", _exact(line))


def _mentions_page_number(line: Line) -> bool:
    return str(line.page) in re.findall(r"\d+", line.text)


def remove_running_text(doc: ExtractedDocument) -> ExtractedDocument:
    """Move running headers/footers and bare page numbers out of the text.

    A line is running text when it belongs to the block of lines at the very top or bottom of
    the page and either repeats word for word at about the same height on at least half of the
    pages, or repeats with only its numbers changed where one of them is the page number
    ("Side 3 af 17", "Sidetal: 3"). The scan stops at the first line that is not running text, so a
    section heading that happens to sit at the same height on many pages stays.
    """
    pages = [p for p in doc.pages if p.lines]
    if not pages:
        return doc
    exact: dict[tuple[str, int], set[int]] = defaultdict(set)
    masked: dict[tuple[str, int], set[int]] = defaultdict(set)
    for page in pages:
        for line in page.lines:
            if line.top < page.height * _HEADER_BAND or line.top > page.height * (1 - _FOOTER_BAND):
                y = round(line.top / 8)
                exact[(_exact(line), y)].add(page.number)
                if _mentions_page_number(line):
                    masked[(_masked(line), y)].add(page.number)
    threshold = max(2, (len(pages) + 1) // 2)

    def repeated(table: dict, key: str, top: float) -> bool:
        y = round(top / 8)
        return any(len(table.get((key, y + d), ())) >= threshold for d in (-1, 0, 1))

    def running(line: Line, page_height: float) -> bool:
        if not (line.top < page_height * _HEADER_BAND or line.top > page_height * (1 - _FOOTER_BAND)):
            return False
        if _PAGE_NUMBER.match(line.text):
            return True
        if repeated(exact, _exact(line), line.top):
            return True
        return _mentions_page_number(line) and repeated(masked, _masked(line), line.top)

    boxed = _repeated_header_blocks(pages)
    for page in pages:
        lines = page.lines
        start = boxed.get(page.number, 0)
        while start < len(lines) and running(lines[start], page.height):
            start += 1
        end = len(lines)
        while end > start and running(lines[end - 1], page.height):
            end -= 1
        page.removed_lines = lines[:start] + lines[end:]
        page.lines = lines[start:end]
    return doc


def _header_block(page) -> list[Line]:
    """The lines printed at the top of the page before the first wide white gap, inside the header band."""
    block: list[Line] = []
    for line in page.lines:
        if line.top >= page.height * _HEADER_BAND:
            break
        if block and line.top - block[-1].top > max(block[-1].size, 1.0) * 2.2:
            break
        block.append(line)
    return block


def _repeated_header_blocks(pages) -> dict[int, int]:
    """Page number -> how many top lines form a repeated page header carrying the page number.

    Some systems print a boxed header only on continuation pages (municipality, committee, date,
    chair, "Sidetal: 6"), so it repeats on a few pages, not on most. A block at the top of the page
    counts as furniture when it carries that page's number and the same block, numbers masked,
    recurs at the same height on another page.
    """
    signatures: dict[tuple, list[tuple[int, int]]] = defaultdict(list)
    for page in pages:
        block = _header_block(page)
        if len(block) < 2 or not any(_mentions_page_number(line) for line in block):
            continue
        signature = tuple((_masked(line), round(line.top / 8)) for line in block)
        signatures[signature].append((page.number, len(block)))
    found: dict[int, int] = {}
    for occurrences in signatures.values():
        if len(occurrences) >= 2:
            found.update(occurrences)
    return found


def mark_bullets_and_gaps(doc: ExtractedDocument) -> ExtractedDocument:
    """Strip printed bullets (remembering them) and record the white space above every line."""
    for page in doc.pages:
        previous: Line | None = None
        for line in page.lines:
            match = _BULLET.match(line.text)
            if match and (match.group(1) != "-" or line.text[match.end():][:1].isupper()):
                line.text = line.text[match.end():]
                line.bullet = True
            line.text = re.sub(r"\s+", " ", line.text).strip()
            if previous is None:
                line.gap_before = 999.0
            else:
                line.gap_before = max(0.0, line.top - previous.top - max(previous.size, 1.0) * 1.2)
            previous = line
    return doc


def clean(doc: ExtractedDocument) -> ExtractedDocument:
    """All layout clean-up in the order it must run."""
    return mark_bullets_and_gaps(remove_running_text(doc))


def join_lines(texts: list[str]) -> str:
    """Join printed lines into running text, repairing words hyphenated at the line end."""
    out = ""
    for text in texts:
        text = text.strip()
        if not text:
            continue
        if not out:
            out = text
            continue
        first_word = text.split(" ", 1)[0]
        # look at the last two characters only: a search over `out` would make joining quadratic
        if re.match(r"[a-zæøå]-$", out[-2:]) and first_word[:1].islower() and first_word.lower() not in _SUSPENDED_NEXT:
            out = out[:-1] + text
        else:
            out = out + " " + text
    return out
