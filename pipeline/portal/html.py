"""HTML of a FirstAgenda case presentation -> readable text, split into sections by its <h3> headings.

Only the standard library's html.parser: tables become one line per row with cells joined by " | ",
list items one line each with a bullet, <br>/<p>/<div> line breaks; scripts and styles are dropped.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

BULLET = "•"
_BLOCK = {"p", "div", "br", "ul", "ol", "table", "thead", "tbody", "tfoot", "tr", "h1", "h5", "h6",
          "blockquote", "pre", "section", "article", "header", "footer", "dl", "dt", "dd", "hr"}
_SKIP = {"script", "style", "head", "title", "noscript", "template"}
HEADINGS = {"h2", "h3", "h4"}  # section headings (the portal's templates use <h3>, some cases <h2>/<h4>)
# a heading longer than this is content that happens to be marked up as a heading (a whole table, a sentence)
MAX_HEADING_CHARS = 80


BOLD_ON, BOLD_OFF = "\x01", "\x02"  # marks <b>/<strong> text until lines are built
_BOLD_SPAN = re.compile("\x01[^\x02]*\x02?")


@dataclass
class HtmlLine:
    text: str
    bold: bool  # every character of the line is bold (a heading printed as a bold paragraph)


@dataclass
class HtmlSection:
    """Text under one heading (heading None: text before the first heading), and its lines."""

    heading: str | None
    text: str
    lines: list[HtmlLine] = field(default_factory=list)


@dataclass
class _Builder:
    sections: list[HtmlSection] = field(default_factory=list)
    heading: str | None = None
    parts: list[str] = field(default_factory=list)

    def close(self) -> None:
        lines = html_lines("".join(self.parts))
        text = "\n".join(line.text for line in lines)
        if self.heading is not None or text:
            self.sections.append(HtmlSection(self.heading, text, lines))
        self.parts = []


class _SectionParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out = _Builder()
        self.skip = 0
        self.in_heading = 0
        self.heading_parts: list[str] = []
        self.cells_in_row = 0
        self.lists: list[list[int] | None] = []  # open lists: a counter for <ol>, None for <ul>

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in _SKIP:
            self.skip += 1
            return
        if tag in HEADINGS:
            self.in_heading += 1
            if self.in_heading == 1:
                self.heading_parts = []
            return
        target = self.heading_parts if self.in_heading else self.out.parts
        if tag in ("b", "strong"):
            target.append(BOLD_ON)
        elif tag in ("td", "th"):
            if self.cells_in_row:
                target.append(" | ")
            self.cells_in_row += 1
        elif tag == "li":
            counter = self.lists[-1] if self.lists else None
            if counter is not None:  # ordered lists keep their numbers, as printed
                counter[0] += 1
                target.append(f"\n{counter[0]}. ")
            else:
                target.append(f"\n{BULLET} ")
        elif tag in _BLOCK:
            target.append("\n")
            if tag in ("ol", "ul"):
                start = dict(attrs).get("start") or "1"
                self.lists.append([int(start) - 1 if start.isdigit() else 0] if tag == "ol" else None)
            if tag == "tr":
                self.cells_in_row = 0

    def handle_startendtag(self, tag: str, attrs) -> None:
        if tag in ("br", "hr"):
            (self.heading_parts if self.in_heading else self.out.parts).append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skip = max(0, self.skip - 1)
            return
        if tag in HEADINGS and self.in_heading:
            self.in_heading -= 1
            if self.in_heading == 0:
                self._heading_done()
            return
        if tag in ("ol", "ul") and self.lists:
            self.lists.pop()
        if tag in ("b", "strong"):
            (self.heading_parts if self.in_heading else self.out.parts).append(BOLD_OFF)
        elif tag in _BLOCK or tag == "li":
            (self.heading_parts if self.in_heading else self.out.parts).append("\n")

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        (self.heading_parts if self.in_heading else self.out.parts).append(data)

    def _heading_done(self) -> None:
        heading = fold(" ".join("".join(self.heading_parts).split()))
        if not heading:
            return  # an empty <h3></h3> is layout, not a heading
        if len(heading) > MAX_HEADING_CHARS:
            self.out.parts.append("\n" + "".join(self.heading_parts) + "\n")  # content, not a heading
            return
        self.out.close()
        self.out.heading = heading


def fold(text: str) -> str:
    """Whitespace (including no-break spaces) folded to single spaces; emphasis marks removed."""
    text = text.replace(BOLD_ON, "").replace(BOLD_OFF, "")
    return re.sub(r"\s+", " ", text.replace("\xa0", " ")).strip()


def html_lines(text: str) -> list[HtmlLine]:
    """One line per block: whitespace folded inside lines, empty lines dropped, bold-only lines flagged."""
    out = []
    for raw in text.replace("\r", "\n").split("\n"):
        line = fold(raw)
        if not line or line == BULLET:
            continue
        outside = fold(_BOLD_SPAN.sub("", raw))
        out.append(HtmlLine(line, bold=not outside and BOLD_ON in raw))
    return out


def html_sections(html: str | None) -> list[HtmlSection]:
    """Sections of an HTML fragment in document order, split at every <h3> heading."""
    if not html:
        return []
    parser = _SectionParser()
    parser.feed(html)
    parser.close()
    if parser.in_heading:  # unclosed <h3> at the end
        parser.in_heading = 0
        parser._heading_done()
    parser.out.close()
    return parser.out.sections

