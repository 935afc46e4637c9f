"""pdfium engine: the same Line records as the pdfplumber engine, read with PDFium (pypdfium2).

PDFium parses the page in C++ and hands out one record per character; this module rebuilds
pdfplumber's lines from those characters with pdfplumber's own rules (default settings of
`extract_text_lines`), so the parser sees the same lines whichever engine ran:

* character box as pdfminer reports it: x0 = the glyph origin, x1 = the right edge of PDFium's loose
  box, top = the baseline raised by size + descent; the PDF's y axis (origin bottom-left) is flipped,
  so `top` is the distance from the page top; font, size and descent are read once per text object;
* characters are clustered into lines by `top` (chained, tolerance 3 pt), sorted by x0 inside a line,
  and split into words at printed blanks, at gaps wider than 3 pt and where the text runs backwards;
  words are clustered into lines again by their top and joined with one space;
* PDFium's generated characters (the spaces and CR/LF it infers from the layout) are dropped; the
  rules above decide where words and lines break, as they do in pdfplumber;
* faux bold (each glyph printed twice at almost the same spot) is removed before grouping;
* per line: font (majority, subset prefix removed), size (majority, rounded to 0.1), bold (>= 60 %
  of the characters in a bold font: bold-looking font name or FontWeight >= 600), italic (font name).
"""
from __future__ import annotations

import ctypes
import re
from collections import Counter
from itertools import groupby
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from pipeline.extract.base import ExtractionError, has_doubled_glyphs
from pipeline.extract.glyphs import _X_TOLERANCE, _Y_TOLERANCE, group_words, has_doubled, read_glyphs, text_of
from pipeline.model import ExtractedDocument, Line, Page

_BOLD = re.compile(r"bold|black|heavy|semibold|demi|,b\b", re.IGNORECASE)
_ITALIC = re.compile(r"italic|oblique", re.IGNORECASE)

# pdfplumber's defaults (WordExtractor / TextMap); the word/line tolerances are the vectorised path's own
_DEDUPE_TOLERANCE = 1.0
_LIGATURES = {"ﬀ": "ff", "ﬃ": "ffi", "ﬄ": "ffl", "ﬁ": "fi", "ﬂ": "fl", "ﬆ": "st", "ﬅ": "st"}
_LIGATURE_TABLE = str.maketrans(_LIGATURES)


class _Font:
    """What a text object contributes to its characters: font name, bold, italic, upright."""

    __slots__ = ("name", "bold", "italic", "upright")

    def __init__(self, name: str, bold: bool, italic: bool, upright: bool):
        self.name = name
        self.bold = bold
        self.italic = italic
        self.upright = upright



def _font_of(font, buffer) -> tuple[str, bool, bool]:
    """Font name (subset prefix removed), bold (name or FontWeight >= 600), italic (name)."""
    if not font:
        return "", False, False
    length = pdfium_c.FPDFFont_GetBaseFontName(font, buffer, len(buffer))
    name = buffer.raw[: max(0, length - 1)].decode("utf-8", "replace") if length else ""
    name = name.split("+", 1)[-1]
    weight = pdfium_c.FPDFFont_GetWeight(font)
    return name, bool(_BOLD.search(name)) or weight >= 600, bool(_ITALIC.search(name))


def _is_upright(text_object) -> bool:
    matrix = pdfium_c.FS_MATRIX()
    if pdfium_c.FPDFPageObj_GetMatrix(text_object, ctypes.byref(matrix)):
        return abs(matrix.b) < 1e-6 and abs(matrix.c) < 1e-6 and matrix.a * matrix.d > 0
    return True


def _descent(font, size: float) -> float:
    """The font's descent (<= 0) in points at `size`, as PDFium reads it."""
    value = ctypes.c_float()
    if font and size > 0 and pdfium_c.FPDFFont_GetDescent(font, ctypes.c_float(size), ctypes.byref(value)):
        return min(0.0, float(value.value))
    return 0.0


class _PageChars:
    """A page's printed characters as arrays, with what their text objects contribute (read once per
    object): font, size, top (pdfminer's box: the baseline raised by size + descent, measured from the
    page top) and whether the text is upright."""

    def __init__(self, textpage, height: float):
        raw = textpage.raw
        glyphs = read_glyphs(raw)
        addresses, first, inverse = np.unique(glyphs.objects, return_index=True, return_inverse=True)
        buffer = ctypes.create_string_buffer(256)
        fonts: dict[tuple, _Font] = {}
        font_info: dict[int | None, tuple[str, bool, bool]] = {}  # per FPDF_FONT of this page
        descents: dict[tuple, float] = {}
        object_font, object_size, object_above, object_upright = [], [], [], []
        for address, position in zip(addresses.tolist(), first.tolist()):
            obj = ctypes.cast(ctypes.c_void_p(address), pdfium_c.FPDF_PAGEOBJECT)
            size = pdfium_c.FPDFText_GetFontSize(raw, int(glyphs.index[position]))
            upright = _is_upright(obj)
            font = pdfium_c.FPDFTextObj_GetFont(obj)
            handle = ctypes.cast(font, ctypes.c_void_p).value
            if handle not in font_info:
                font_info[handle] = _font_of(font, buffer)
            if (handle, size) not in descents:
                descents[(handle, size)] = _descent(font, size)
            key = font_info[handle] + (upright,)
            object_font.append(fonts.setdefault(key, _Font(*key)))
            object_size.append(size)
            object_above.append(size + descents[(handle, size)])
            object_upright.append(upright)
        inverse = inverse.reshape(-1)
        self.glyphs = glyphs
        self.fonts = object_font  # per text object
        self.object = inverse  # per character: its text object's number
        self.size = np.array(object_size, dtype=float)[inverse] if len(inverse) else np.zeros(0)
        self.top = height - glyphs.y - (np.array(object_above, dtype=float)[inverse] if len(inverse) else 0.0)
        self.upright = bool(all(object_upright))
        self.rounded_size = [round(s, 1) for s in object_size]

    def as_tuples(self) -> list[tuple]:
        """(text, x0, x1, top, size, font) per character, for the per-character Python path."""
        g = self.glyphs
        return list(zip(text_of(g.codes), g.x0.tolist(), g.x1.tolist(), self.top.tolist(), self.size.tolist(),
                        [self.fonts[k] for k in self.object.tolist()]))


def _dedupe(chars: list[tuple]) -> list[tuple]:
    """Drop a character printed again at (almost) the same spot with the same glyph, font and size."""
    if not has_doubled_glyphs((c[0], c[1], c[3]) for c in chars):
        return chars
    cells: dict[tuple, list[tuple[float, float]]] = {}  # (glyph, font, size, grid x, grid y) -> spots
    out = []
    for char in chars:
        text, x0, _, top, size, font = char
        if not text.isspace():
            base = (text, font.name, round(size, 1))
            gx, gy = int(x0 // _DEDUPE_TOLERANCE), int(top // _DEDUPE_TOLERANCE)
            if any(abs(x0 - x) <= _DEDUPE_TOLERANCE and abs(top - t) <= _DEDUPE_TOLERANCE
                   for dx in (-1, 0, 1) for dy in (-1, 0, 1)
                   for x, t in cells.get(base + (gx + dx, gy + dy), ())):
                continue
            cells.setdefault(base + (gx, gy), []).append((x0, top))
        out.append(char)
    return out


def _cluster(objects: list, key, tolerance: float, preserve_order: bool) -> list[list]:
    """pdfplumber's cluster_objects: chain-cluster the distinct key values, then group the objects."""
    values = sorted(set(key(o) for o in objects))
    cluster_of: dict[float, int] = {}
    index = 0
    last = None
    for value in values:
        if last is not None and value > last + tolerance:
            index += 1
        cluster_of[value] = index
        last = value
    tagged = [(o, cluster_of[key(o)]) for o in objects]
    if not preserve_order:
        tagged.sort(key=lambda t: t[1])
    return [[o for o, _ in group] for _, group in groupby(tagged, key=lambda t: t[1])]


def _words(line_chars: list[tuple]) -> list[list[tuple]]:
    """Split one line's characters (sorted by x0) into words, as pdfplumber's WordExtractor does."""
    words: list[list[tuple]] = []
    current: list[tuple] = []
    for char in line_chars:
        if char[0].isspace():
            if current:
                words.append(current)
            current = []
            continue
        if current:
            prev = current[-1]
            if char[1] < prev[1] or char[1] > prev[2] + _X_TOLERANCE or abs(char[3] - prev[3]) > _Y_TOLERANCE:
                words.append(current)
                current = []
        current.append(char)
    if current:
        words.append(current)
    return words


def _group_lines(chars: list[tuple]) -> list[list[list[tuple]]]:
    """Characters -> lines -> words (each word a list of characters), top to bottom."""
    out: list[list[list[tuple]]] = []
    for upright, run in groupby(chars, key=lambda c: c[5].upright):
        run = list(run)
        if upright:
            line_key, char_key = (lambda c: c[3]), (lambda c: c[1])
        else:  # rotated text: pdfplumber reads it in columns (x0), top to bottom
            line_key, char_key = (lambda c: c[1]), (lambda c: c[3])
        words: list[list[tuple]] = []
        for cluster in _cluster(run, line_key, _Y_TOLERANCE if upright else _X_TOLERANCE, False):
            cluster.sort(key=char_key)
            words.extend(_words(cluster) if upright else [cluster])
        for line in _cluster(words, lambda w: min(c[3] for c in w), _Y_TOLERANCE, True):
            out.append(line)
    return out


def _line(page_number: int, words: list[list[tuple]]) -> Line:
    chars = [c for word in words for c in word]
    text = " ".join("".join(_LIGATURES.get(c[0], c[0]) for c in word) for word in words)
    fonts = Counter(c[5].name for c in chars)
    font = fonts.most_common(1)[0][0] if fonts else ""
    sizes = Counter(round(c[4], 1) for c in chars)
    bold_chars = sum(1 for c in chars if c[5].bold)
    return Line(
        page=page_number,
        top=float(min(c[3] for c in chars)),
        x0=float(min(c[1] for c in chars)),
        x1=float(max(c[2] for c in chars)),
        text=text,
        font=font,
        size=sizes.most_common(1)[0][0] if sizes else 0.0,
        bold=bold_chars >= 0.6 * len(chars),
        italic=bool(_ITALIC.search(font)),
    )


def _codes_of(values: list) -> np.ndarray:
    """A number per distinct value (equal values, equal numbers)."""
    numbers: dict = {}
    return np.array([numbers.setdefault(v, len(numbers)) for v in values], dtype=np.int64)


def _vectorised_lines(page_number: int, chars: _PageChars) -> list[Line]:
    """Lines of a page of upright text without doubled glyphs: characters are grouped with numpy
    (glyphs.group_words); Python builds one Line per line from array slices."""
    g = chars.glyphs
    runs = group_words(g.codes, g.x0, g.x1, chars.top)
    if not len(runs.order):
        return []
    order = runs.order
    text = text_of(g.codes[order])
    objects = chars.object[order]
    bold = np.array([f.bold for f in chars.fonts], dtype=bool)[objects] if chars.fonts else np.zeros(0, bool)
    word_bounds = np.append(runs.word_starts, len(order)).tolist()
    line_bounds = np.append(runs.line_starts, len(runs.word_starts)).tolist()
    char_starts = runs.word_starts[runs.line_starts]
    tops = np.minimum.reduceat(chars.top[order], char_starts).tolist()
    lefts = np.minimum.reduceat(g.x0[order], char_starts).tolist()
    rights = np.maximum.reduceat(g.x1[order], char_starts).tolist()
    bolds = np.add.reduceat(bold.astype(np.int64), char_starts).tolist()
    font_names = [f.name for f in chars.fonts]
    # majority font and size per line; one Counter only where a line mixes them (Counter keeps the first
    # seen on a tie, as the per-character path does)
    font_codes = _codes_of(font_names)[objects]
    size_codes = _codes_of(chars.rounded_size)[objects]
    mixed = ((np.minimum.reduceat(font_codes, char_starts) != np.maximum.reduceat(font_codes, char_starts))
             | (np.minimum.reduceat(size_codes, char_starts) != np.maximum.reduceat(size_codes, char_starts))).tolist()
    first_object = objects[char_starts].tolist()
    object_list = objects.tolist() if any(mixed) else []
    ligatures = any(ligature in text for ligature in _LIGATURES)
    lines = []
    for k in range(len(runs.line_starts)):
        first_word, end_word = line_bounds[k], line_bounds[k + 1]
        start, end = word_bounds[first_word], word_bounds[end_word]
        line_text = " ".join([text[word_bounds[w]:word_bounds[w + 1]] for w in range(first_word, end_word)])
        if mixed[k]:
            line_objects = object_list[start:end]
            font = Counter(font_names[o] for o in line_objects).most_common(1)[0][0]
            size = Counter(chars.rounded_size[o] for o in line_objects).most_common(1)[0][0]
        else:
            font, size = font_names[first_object[k]], chars.rounded_size[first_object[k]]
        lines.append(Line(page=page_number, top=float(tops[k]), x0=float(lefts[k]), x1=float(rights[k]),
                          text=line_text.translate(_LIGATURE_TABLE) if ligatures else line_text, font=font,
                          size=size, bold=bolds[k] >= 0.6 * (end - start), italic=bool(_ITALIC.search(font))))
    return lines


def _page_lines(page_number: int, chars: _PageChars, vectorised: bool = True) -> list[Line]:
    """Faux bold (doubled glyphs) and rotated text take the per-character Python path (`_dedupe`,
    `_group_lines`); all other pages the vectorised one. Both give the same lines."""
    g = chars.glyphs
    if vectorised and chars.upright and not has_doubled(g.codes, g.x0, chars.top):
        return _vectorised_lines(page_number, chars)
    return [_line(page_number, words) for words in _group_lines(_dedupe(chars.as_tuples())) if words]


def _has_images(page) -> bool:
    for _ in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=15):
        return True
    return False


def _open(path: Path) -> pdfium.PdfDocument:
    try:
        return pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        code = getattr(exc, "err_code", None)
        if code in (pdfium_c.FPDF_ERR_PASSWORD, pdfium_c.FPDF_ERR_SECURITY):
            raise ExtractionError("encrypted", f"the PDF cannot be opened: it is encrypted ({exc})") from exc
        if code == pdfium_c.FPDF_ERR_FORMAT:
            raise ExtractionError("truncated", f"the PDF cannot be opened: broken structure ({exc})") from exc
        raise ExtractionError("unreadable", f"the PDF cannot be opened: {exc}") from exc
    except MemoryError:  # the worker's memory limit: the caller records too_large, not a broken file
        raise
    except Exception as exc:  # noqa: BLE001  (anything else PDFium or the OS raises)
        raise ExtractionError("unreadable", f"the PDF cannot be opened: {exc.__class__.__name__}: {exc}") from exc


class PdfiumExtractor:
    """Reads every page with PDFium and rebuilds pdfplumber's lines from its characters."""

    name = "pdfium"

    def __init__(self, vectorised: bool = True):
        self.vectorised = vectorised  # False: every page through the per-character Python path (benchmarks)

    def extract(self, path: Path, sha256: str) -> ExtractedDocument:
        pdf = _open(path)
        pages: list[Page] = []
        try:
            for index in range(len(pdf)):
                page = pdf[index]
                try:
                    width, height = page.get_size()
                    textpage = page.get_textpage()
                    try:
                        chars = _PageChars(textpage, height)
                    finally:
                        textpage.close()
                    lines = _page_lines(index + 1, chars, self.vectorised)
                    has_text = bool(lines) or not _has_images(page)
                finally:
                    page.close()
                pages.append(Page(number=index + 1, width=float(width), height=float(height),
                                  lines=lines, has_text_layer=has_text))
        except (ExtractionError, MemoryError):  # MemoryError: the memory limit, recorded as too_large
            raise
        except Exception as exc:  # noqa: BLE001
            raise ExtractionError("unreadable", f"page {len(pages) + 1} cannot be read: "
                                                f"{exc.__class__.__name__}: {exc}") from exc
        finally:
            pdf.close()
        return ExtractedDocument(source_file=path.name, sha256=sha256, pages=pages, engine=self.name)
