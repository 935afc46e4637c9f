"""The extracted document as a spaCy `Doc`, with its layout carried as spans.

In the spirit of Explosion's spacy-layout: the words are the extracted words (no second
tokenisation: `Doc(vocab, words=..., spaces=...)`), a separator token ends every printed line and
is left out of the line's span, and `doc.spans["layout"]` holds one span per printed line whose
`span._.layout` says where and how it was printed (page, box, font, size, bold, caps). The `Line`
records themselves stay available as a side table (`doc._.lines`, indexed by `span.id`), because
the components reason about whole lines.
"""
from __future__ import annotations

from dataclasses import dataclass

from spacy.tokens import Doc, Span, SpanGroup

from pipeline.model import ExtractedDocument, Line

LAYOUT = "layout"  # span group name, as in spacy-layout
SEPARATOR = "\n"


@dataclass(frozen=True)
class LineLayout:
    """Where and how one line was printed (the span extension `span._.layout`)."""

    page: int
    x0: float
    top: float
    x1: float
    font: str
    size: float
    bold: bool
    caps: bool  # every letter upper case ("BESLUTNING")
    bullet: bool
    gap_before: float


def _caps(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


def line_layout(line: Line) -> LineLayout:
    return LineLayout(line.page, line.x0, line.top, line.x1, line.font, line.size, line.bold, _caps(line.text),
                      line.bullet, line.gap_before)


def _register_extensions() -> None:
    for name in ("lines", "running", "source_file", "pages"):
        if not Doc.has_extension(name):
            Doc.set_extension(name, default=None)
    if not Span.has_extension("layout"):
        Span.set_extension("layout", getter=lambda span: line_layout(span.doc._.lines[span.id]))
    if not Span.has_extension("line"):
        Span.set_extension("line", getter=lambda span: span.doc._.lines[span.id])


_register_extensions()


def make_layout_doc(vocab, extracted: ExtractedDocument) -> Doc:
    """One `Doc` for the whole document: words of every printed line, line spans in doc.spans['layout']."""
    lines = extracted.lines
    words: list[str] = []
    spaces: list[bool] = []
    bounds: list[tuple[int, int]] = []
    for line in lines:
        start = len(words)
        line_words = line.text.split()
        words.extend(line_words)
        spaces.extend([True] * len(line_words))
        if line_words:
            spaces[-1] = False
        bounds.append((start, len(words)))
        words.append(SEPARATOR)  # ends the line; not part of its span
        spaces.append(False)
    doc = Doc(vocab, words=words, spaces=spaces)
    doc.spans[LAYOUT] = SpanGroup(doc, name=LAYOUT, spans=[
        Span(doc, start, end, label="line", span_id=index) for index, (start, end) in enumerate(bounds)])
    doc._.lines = lines
    doc._.running = [line for page in extracted.pages for line in page.removed_lines]
    doc._.source_file = extracted.source_file
    doc._.pages = extracted.pages
    return doc


def lines_span(doc: Doc, first: int, last: int, label: str) -> Span | None:
    """The span from printed line `first` to line `last` (inclusive), or None when that is empty."""
    group = doc.spans[LAYOUT]
    if first > last or first >= len(group):
        return None
    return Span(doc, group[first].start, group[min(last, len(group) - 1)].end, label=label)
