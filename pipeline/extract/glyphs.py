"""The pdfium engine's per-glyph work outside the Python interpreter loop.

`read_glyphs` reads every printed character of a PDFium text page into arrays in one call of the small
C extension `_glyphs` (built by `pip install`; without a C compiler the same loop runs through ctypes,
slower, same arrays). `group_words` then rebuilds pdfplumber's lines with numpy: the same rules as
`pdfium_engine._group_lines` (chained clustering of tops with a 3 pt tolerance, x order inside a line,
word breaks at printed blanks and gaps wider than 3 pt, words clustered into lines by their top), but as
array operations, so Python only touches words and lines, never characters.
"""
from __future__ import annotations

import ctypes
from dataclasses import dataclass

import numpy as np
import pypdfium2.raw as pdfium_c

try:
    from pipeline.extract import _glyphs
except ImportError:  # built without a C compiler: the ctypes loop below does the same
    _glyphs = None

_FUNCTIONS = tuple(ctypes.cast(f, ctypes.c_void_p).value for f in (
    pdfium_c.FPDFText_GetTextObject, pdfium_c.FPDFText_GetUnicode,
    pdfium_c.FPDFText_GetLooseCharBox, pdfium_c.FPDFText_GetCharOrigin))

# pdfplumber's word/line tolerances (WordExtractor / TextMap defaults); the per-glyph path in pdfium_engine uses them too
_X_TOLERANCE = 3.0
_Y_TOLERANCE = 3.0


@dataclass
class Glyphs:
    """One entry per printed character, in content-stream order (PDFium's generated characters left out)."""

    codes: np.ndarray  # uint32 code points; PDFium's line-end hyphen marker 0x02 already turned into '-'
    x0: np.ndarray  # origin x
    x1: np.ndarray  # right edge of the loose box
    y: np.ndarray  # origin y (PDF axis, from the bottom)
    index: np.ndarray  # PDFium's character index
    objects: np.ndarray  # uint64 address of the character's text object

    def __len__(self) -> int:
        return len(self.codes)


def read_glyphs(textpage_raw) -> Glyphs:
    """Every printed character of a PDFium text page (FPDF_TEXTPAGE), read in C when the extension is built."""
    count = pdfium_c.FPDFText_CountChars(textpage_raw)
    if _glyphs is None:
        return _read_glyphs_ctypes(textpage_raw, count)
    address = ctypes.cast(textpage_raw, ctypes.c_void_p).value
    kept, codes, numbers, indexes, objects = _glyphs.read_glyphs(address, max(count, 0), *_FUNCTIONS)
    numbers = np.frombuffer(numbers, dtype=np.float64).reshape(3, -1)
    return Glyphs(np.frombuffer(codes, dtype=np.uint32)[:kept], numbers[0, :kept], numbers[1, :kept],
                  numbers[2, :kept], np.frombuffer(indexes, dtype=np.int32)[:kept],
                  np.frombuffer(objects, dtype=np.uint64)[:kept])


_TEXT_OBJECT_ADDRESS = ctypes.CFUNCTYPE(ctypes.c_void_p, *pdfium_c.FPDFText_GetTextObject.argtypes)(
    _FUNCTIONS[0])


def _read_glyphs_ctypes(raw, count: int) -> Glyphs:
    """The C extension's loop in Python (one ctypes call per glyph and value): the fallback."""
    rect = pdfium_c.FS_RECTF()
    x, y = ctypes.c_double(), ctypes.c_double()
    rect_ref, x_ref, y_ref = ctypes.byref(rect), ctypes.byref(x), ctypes.byref(y)
    get_unicode, loose_box, origin = (pdfium_c.FPDFText_GetUnicode, pdfium_c.FPDFText_GetLooseCharBox,
                                      pdfium_c.FPDFText_GetCharOrigin)
    rows = []
    for index in range(count):
        key = _TEXT_OBJECT_ADDRESS(raw, index)
        if not key:
            continue
        code = get_unicode(raw, index)
        if code in (0, 0xFFFE, 0xFFFF) or code > 0x10FFFF:
            continue
        loose_box(raw, index, rect_ref)
        origin(raw, index, x_ref, y_ref)
        rows.append((0x2D if code == 0x02 else code, x.value, rect.right, y.value, index, key))
    if not rows:
        return Glyphs(*(np.zeros(0, dtype=t) for t in (np.uint32, float, float, float, np.int32, np.uint64)))
    codes, x0, x1, ys, indexes, objects = zip(*rows)
    return Glyphs(np.array(codes, dtype=np.uint32), np.array(x0), np.array(x1), np.array(ys),
                  np.array(indexes, dtype=np.int32), np.array(objects, dtype=np.uint64))


def text_of(codes: np.ndarray) -> str:
    """Code points -> str in one C call (lone surrogates kept as they are, like chr())."""
    return codes.astype("<u4").tobytes().decode("utf-32-le", "surrogatepass")


def has_doubled(codes: np.ndarray, x0: np.ndarray, top: np.ndarray) -> bool:
    """`base.has_doubled_glyphs` on arrays: more than 3 repeats of (glyph, round(x0), round(top))."""
    if len(codes) < 5:
        return False
    rx, rt = np.rint(x0), np.rint(top)  # round half to even, as Python's round()
    order = np.lexsort((rt, rx, codes))
    c, x, t = codes[order], rx[order], rt[order]
    repeats = (c[1:] == c[:-1]) & (x[1:] == x[:-1]) & (t[1:] == t[:-1])
    return int(repeats.sum()) > 3


def _chain_clusters(values: np.ndarray, tolerance: float) -> np.ndarray:
    """pdfplumber's cluster_list on the distinct values: a new cluster where a value exceeds the previous
    distinct value by more than `tolerance`. Returns each value's cluster number."""
    distinct = np.unique(values)
    starts = np.concatenate(([0], np.cumsum(distinct[1:] > distinct[:-1] + tolerance)))
    return starts[np.searchsorted(distinct, values)]


@dataclass
class WordRuns:
    """Upright characters sorted into reading order, cut into words and lines (all index arrays)."""

    order: np.ndarray  # positions of the non-blank characters, in line/x order
    word_starts: np.ndarray  # into `order`: where each word begins
    line_starts: np.ndarray  # into the words: where each line begins


def group_words(codes: np.ndarray, x0: np.ndarray, x1: np.ndarray, top: np.ndarray) -> WordRuns:
    """Characters -> words -> lines, top to bottom, exactly as pdfium_engine._group_lines does for upright text."""
    n = len(codes)
    line_cluster = _chain_clusters(top, _Y_TOLERANCE)
    # sort by line cluster, then x0; ties keep content-stream order (Python's stable sorts)
    order = np.lexsort((np.arange(n), x0, line_cluster))
    blank_codes = [c for c in np.unique(codes).tolist() if chr(c).isspace()]
    blank = np.isin(codes[order], blank_codes) if blank_codes else np.zeros(n, dtype=bool)
    blanks_before = np.cumsum(blank)
    kept = np.flatnonzero(~blank)
    order = order[kept]
    if not len(order):
        return WordRuns(order, np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.intp))
    cluster, left, right, up = line_cluster[order], x0[order], x1[order], top[order]
    new_word = np.ones(len(order), dtype=bool)
    new_word[1:] = ((cluster[1:] != cluster[:-1])
                    | (blanks_before[kept[1:]] != blanks_before[kept[:-1]])  # a printed blank in between
                    | (left[1:] < left[:-1])
                    | (left[1:] > right[:-1] + _X_TOLERANCE)
                    | (np.abs(up[1:] - up[:-1]) > _Y_TOLERANCE))
    word_starts = np.flatnonzero(new_word)
    word_tops = np.minimum.reduceat(up, word_starts)
    word_cluster = _chain_clusters(word_tops, _Y_TOLERANCE)
    new_line = np.ones(len(word_starts), dtype=bool)
    new_line[1:] = word_cluster[1:] != word_cluster[:-1]  # consecutive words of one cluster (order kept)
    return WordRuns(order, word_starts, np.flatnonzero(new_line))
