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

import spacy
from spacy.tokens import Doc, Span, SpanGroup

from pipeline.model import ExtractedDocument, Line

LAYOUT = "layout"  # span group name, as in spacy-layout
# what a layout Doc carries before any component runs (the components' `requires` may name these)
PROVIDED = ["doc.spans", "doc._.lines", "doc._.running", "doc._.source_file", "doc._.pages", "doc._.text"]
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
    for name in ("lines", "running", "source_file", "pages", "text"):
        if not Doc.has_extension(name):
            Doc.set_extension(name, default=None)
    if not Span.has_extension("layout"):
        Span.set_extension("layout", getter=lambda span: line_layout(span.doc._.lines[span.id]))
    if not Span.has_extension("line"):
        Span.set_extension("line", getter=lambda span: span.doc._.lines[span.id])


_register_extensions()


_OPENING = "([\"'«“„"
_CLOSING = ",.;:!?)]\"'»”"


def _add_word(word: str, words: list[str], spaces: list[bool]) -> None:
    """One printed word as tokens: opening and closing punctuation split off ('(A)' -> '(', 'A', ')';
    'Petersen,' -> 'Petersen', ','), the word itself kept as printed. Not a tokenizer run: the
    extracted words stay the tokens, only their edge punctuation becomes its own token."""
    start, end = 0, len(word)
    while start < end - 1 and word[start] in _OPENING:
        start += 1
    while end > start + 1 and word[end - 1] in _CLOSING:
        end -= 1
    if start == 0 and end == len(word):
        words.append(word)
        spaces.append(True)
        return
    for char in word[:start]:
        words.append(char)
        spaces.append(False)
    words.append(word[start:end])
    spaces.append(False)
    for char in word[end:]:
        words.append(char)
        spaces.append(False)
    spaces[-1] = True


def printed_words(text: str) -> tuple[list[str], list[bool]]:
    """(words, spaces) of a text by the same rule as a layout Doc's lines."""
    words: list[str] = []
    spaces: list[bool] = []
    for word in text.split():
        _add_word(word, words, spaces)
    return words, spaces


class WordTokenizer:
    """The pipeline's tokenizer: printed words with their edge punctuation split off, the rule
    make_layout_doc applies to every line. (spaCy's Danish rule-based tokenizer costs ~0.5 s to
    build at load time, for text the parser never gives it.)"""

    def __init__(self, vocab):
        self.vocab = vocab

    def __call__(self, text: str) -> Doc:
        words, spaces = printed_words(text)
        return Doc(self.vocab, words=words, spaces=spaces)

    def to_disk(self, path, exclude=()) -> None:
        pass  # nothing to save: the rule is code

    def from_disk(self, path, exclude=()) -> "WordTokenizer":
        return self

    def to_bytes(self, exclude=()) -> bytes:
        return b""

    def from_bytes(self, data: bytes, exclude=()) -> "WordTokenizer":
        return self


@spacy.registry.tokenizers("minutes_word_tokenizer")
def create_word_tokenizer():
    def make(nlp) -> WordTokenizer:
        return WordTokenizer(nlp.vocab)

    return make


def make_layout_doc(vocab, extracted: ExtractedDocument) -> Doc:
    """One `Doc` for the whole document: words of every printed line, line spans in doc.spans['layout']."""
    lines = extracted.lines
    words: list[str] = []
    spaces: list[bool] = []
    bounds: list[tuple[int, int]] = []
    texts: list[str] = []
    for line in lines:
        start = len(words)
        printed = line.text.split()
        texts.append(" ".join(printed))
        for word in printed:
            if word[0] in _OPENING or word[-1] in _CLOSING:
                _add_word(word, words, spaces)
            else:  # most words: no call
                words.append(word)
                spaces.append(True)
        if len(words) > start:
            spaces[-1] = False
        bounds.append((start, len(words)))
        words.append(SEPARATOR)  # ends the line; not part of its span
        spaces.append(False)
    doc = Doc(vocab, words=words, spaces=spaces)
    label = vocab.strings.add("line")
    doc.spans[LAYOUT] = SpanGroup(doc, name=LAYOUT, spans=[
        Span(doc, start, end, label=label, span_id=index) for index, (start, end) in enumerate(bounds)])
    # doc.text, built from the words without creating a Token object per word (components search it)
    doc._.text = SEPARATOR.join(texts) + SEPARATOR if texts else ""
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
