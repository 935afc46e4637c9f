"""OCR for pages without a text layer: render with PDFium, read with Tesseract's Danish model.

The result is the same `Line` records the text engines produce, so the parser needs no OCR case:

* the page is rendered in grey at `OcrSettings.dpi` (chosen by measurement, benchmarks/bench_ocr.py)
  and piped to the `tesseract` CLI as a PGM image; Tesseract answers in hOCR. The CLI is called
  directly (no binding): pytesseract is itself a thin wrapper around the same subprocess, and hOCR
  carries what TSV lacks, the text angle of every line, which rotated scans need;
* page segmentation mode 1 (automatic with orientation and script detection) reads pages scanned
  sideways in one pass; the page is then described in its reading frame (width and height swap
  for a page turned by 90 degrees), the way a reader holds it;
* Tesseract's lines are re-clustered by baseline and joined left to right, as pdfplumber joins the
  words that share a line (a label and its value in two columns become one line);
* size comes from the heights of the line's words (ascender or capital height, calibrated against the
  text engine on rendered corpus pages), grouped per document so one printed size is one size, and in
  a mixed document snapped to the sizes its text layer prints; top from the baseline; PDF points;
* bold is estimated from the stroke width: the mean length of horizontal runs of ink per line,
  relative to the font size, clearly above the document's typical line.

Provenance: every OCR'd page gets `ocr=True` and its mean word confidence (0-100).
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from statistics import median
from typing import Iterable

import numpy
import pypdfium2 as pdfium

from pipeline.model import ExtractedDocument, Line, Page, ParseWarning

# Measured (benchmarks/bench_ocr.py, README): on scans made at 300 dpi, OCR at 200 dpi scores as well as
# at 300 dpi (0.992) in about 3/4 of the time per page; 150 dpi loses small print (0.940).
DEFAULT_DPI = 200
# Pages whose mean word confidence is below this get a `low_ocr_confidence` parse warning.
LOW_CONFIDENCE = 70.0
# Words Tesseract itself gives (almost) no confidence are specks, logos and rules, not text.
_MIN_WORD_CONFIDENCE = 20.0
# A hostile page size must not allocate gigabytes: the rendering is scaled down to at most this.
_MAX_PIXELS = 40_000_000
# Font size per pixel of word height (words with ascenders / with only capitals and digits, no
# descenders), per pixel of ascent above the baseline, per pixel of Tesseract's x_size, and the font box
# top above the baseline as a share of the size: median ratios on rendered corpus pages against the text
# engine's lines.
_ASCENT_TO_EM = 1.37
_XSIZE_TO_EM = 1.08
_ASCENDER_TO_EM = 1.33
_CAPITAL_TO_EM = 1.39
_ASCENDER = re.compile(r"[bdfhklt]")
_CAPITAL = re.compile(r"[A-ZÆØ0-9]")
_DESCENDING = re.compile(r"[gjpqyQ,;()/]")
_ABOVE_CAPS = re.compile(r"[ÅÀÁÂÄÉÈÊËÍÌÎÏÓÒÔÖÚÙÛÜ]")
_TOP_ABOVE_BASELINE = 0.80
# A line is bold when its stroke ratio exceeds the document's typical (median) ratio by this factor.
_BOLD_FACTOR = 1.25
_BASELINE_TOLERANCE = 3.0  # points; pdfplumber's line tolerance
# In a mixed document an OCR'd size within this share of a size the text layer prints takes that size.
_SIZE_TOLERANCE = 0.08
# Sizes are grouped where sorted sizes step by less than this share (one printed size is a dense run of
# estimates; two printed sizes leave a gap between their runs).
_SIZE_GAP = 0.025

# A first "word" of one or two symbols, none of them a letter, digit, bracket or quote: a bullet (a lone
# dash is left to the layout step's own dash-bullet rule).
_MISREAD_BULLET = re.compile(r"^[^\w\s()\[\]§\"'„“”]{1,2}$")
# "129... Title": Tesseract sometimes repeats the period after a leading number.
_DOTS_AFTER_NUMBER = re.compile(r"^(\d{1,4})\.{2,}\s*")
_BBOX = re.compile(r"bbox (-?\d+) (-?\d+) (-?\d+) (-?\d+)")
_NUMBER = r"(-?[\d.]+)"


def _dpi_from_environment() -> int:
    """MINUTES_OCR_DPI overrides the rendering resolution (benchmarks/bench_ocr.py compares several)."""
    try:
        return min(600, max(72, int(os.environ.get("MINUTES_OCR_DPI", DEFAULT_DPI))))
    except ValueError:
        return DEFAULT_DPI


@dataclass(frozen=True)
class OcrSettings:
    dpi: int = field(default_factory=_dpi_from_environment)
    language: str = "dan"
    timeout_s: float = 120.0  # per page; a page that takes longer is left without text
    psm: int = 1


class OcrUnavailable(RuntimeError):
    """Tesseract or its Danish model is not installed."""


@cache
def tesseract_languages() -> set[str]:
    """Languages the installed Tesseract can read (empty when Tesseract is missing)."""
    exe = shutil.which("tesseract")
    if not exe:
        return set()
    out = subprocess.run([exe, "--list-langs"], capture_output=True, text=True, timeout=30)
    return {line.strip() for line in out.stdout.splitlines()[1:] if line.strip()}


def check_installed(settings: OcrSettings | None = None) -> None:
    """Raise OcrUnavailable unless tesseract, the language model and the OSD model are installed."""
    settings = settings or OcrSettings()
    languages = tesseract_languages()
    missing = [name for name in (settings.language, "osd") if name not in languages]
    if not shutil.which("tesseract") or missing:
        raise OcrUnavailable("tesseract with the models " + ", ".join(missing or ["(binary)"]) +
                             " is not installed (scripts/setup-env.sh installs tesseract-ocr, "
                             "tesseract-ocr-dan and tesseract-ocr-osd)")


# --------------------------------------------------------------------------- render + run
def render_gray(page: pdfium.PdfPage, dpi: int) -> numpy.ndarray:
    """The page as a grey image (rows x columns, 0 = black), with the page's /Rotate applied."""
    width, height = page.get_size()
    scale = dpi / 72.0
    pixels = width * height * scale * scale
    if pixels > _MAX_PIXELS:
        scale *= (_MAX_PIXELS / pixels) ** 0.5
    bitmap = page.render(scale=scale, grayscale=True)
    try:
        image = bitmap.to_numpy()
        return numpy.ascontiguousarray(image.reshape(image.shape[0], image.shape[1]))
    finally:
        bitmap.close()


def run_tesseract(image: numpy.ndarray, dpi: float, settings: OcrSettings) -> str:
    """hOCR for one grey image. OMP_THREAD_LIMIT=1: pages are already spread over worker processes,
    Tesseract's own threads would only compete with them."""
    header = f"P5\n{image.shape[1]} {image.shape[0]}\n255\n".encode()
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    command = ["tesseract", "-", "-", "--dpi", str(round(dpi)), "--psm", str(settings.psm),
               "-l", settings.language, "hocr"]
    done = subprocess.run(command, input=header + image.tobytes(), capture_output=True,
                          timeout=settings.timeout_s, env=env, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"tesseract exited with {done.returncode}: {done.stderr.decode(errors='replace')[-300:]}")
    return done.stdout.decode("utf-8", "replace")


# --------------------------------------------------------------------------- hOCR -> words
@dataclass
class _OcrLine:
    """One Tesseract line in the page's reading frame, in pixels."""
    x0: float
    x1: float
    top: float
    bottom: float
    baseline: float
    height: float  # font size in pixels
    words: list[tuple[str, float, tuple[float, float, float, float]]]  # text, confidence, box
    angle: int
    stroke: float = 0.0  # mean ink run length / height


def _title_value(title: str, key: str) -> list[float] | None:
    match = re.search(rf"\b{key} {_NUMBER}(?: {_NUMBER})?", title)
    if not match:
        return None
    return [float(g) for g in match.groups() if g is not None]


def _box(title: str) -> tuple[float, float, float, float]:
    match = _BBOX.search(title)
    return tuple(float(v) for v in match.groups()) if match else (0.0, 0.0, 0.0, 0.0)


def _upright(box: tuple[float, float, float, float], angle: int, width: float, height: float) -> tuple:
    """A box of the rendered image in the frame where text at `angle` (counter-clockwise) reads upright."""
    x0, y0, x1, y1 = box
    if angle == 90:
        return (height - y1, x0, height - y0, x1)
    if angle == 180:
        return (width - x1, height - y1, width - x0, height - y0)
    if angle == 270:
        return (y0, width - x1, y1, width - x0)
    return box


def _classes(element: ElementTree.Element) -> str:
    return element.get("class", "")


def parse_hocr(hocr: str) -> tuple[list[_OcrLine], int, float, float]:
    """Tesseract's lines in the page's dominant reading frame, the frame's angle and its size in pixels."""
    root = ElementTree.fromstring(hocr)
    page = next(e for e in root.iter() if _classes(e) == "ocr_page")
    _, _, width, height = _box(page.get("title", ""))
    raw = []
    for element in page.iter():
        if "ocr_line" not in _classes(element) and "ocr_caption" not in _classes(element) \
                and "ocr_header" not in _classes(element) and "ocr_textfloat" not in _classes(element):
            continue
        title = element.get("title", "")
        angle = int((_title_value(title, "textangle") or [0])[0]) % 360
        words = []
        for word in element.iter():
            if "ocrx_word" not in _classes(word):
                continue
            text = "".join(word.itertext()).strip()
            confidence = (_title_value(word.get("title", ""), "x_wconf") or [0])[0]
            if text and confidence >= _MIN_WORD_CONFIDENCE:
                words.append((text, confidence, _box(word.get("title", ""))))
        if words:
            raw.append((title, angle, words))
    votes: dict[int, int] = {}
    for _, angle, words in raw:
        votes[angle] = votes.get(angle, 0) + len(words)
    frame = max(votes, key=votes.get) if votes else 0
    frame_width, frame_height = (height, width) if frame in (90, 270) else (width, height)
    lines = []
    for title, angle, words in raw:
        x0, top, x1, bottom = _upright(_box(title), frame, width, height)
        baseline = bottom
        slope_offset = _title_value(title, "baseline")
        if angle == 0 and frame == 0 and slope_offset and len(slope_offset) == 2:
            baseline = bottom + slope_offset[1]
        upright_words = [(t, c, _upright(b, frame, width, height)) for t, c, b in words]
        upright_words.sort(key=lambda w: w[2][0])
        size = _line_height(upright_words, baseline) or (_title_value(title, "x_size") or [bottom - top])[0] * _XSIZE_TO_EM
        lines.append(_OcrLine(x0, x1, top, bottom, baseline, size, upright_words, angle))
    return lines, frame, frame_width, frame_height


def _line_height(words: list, baseline: float) -> float | None:
    """The font size in pixels, from the height of the line's words: a word without descenders or
    accents above capitals spans its ascenders (about 0.75 em) or its capitals and digits (about 0.72 em).
    Each word measures on its own, so the mean of the middle half is finer than whole pixels (0.36 pt
    at 200 dpi). Falls back to the ascent above the baseline, then (caller) to Tesseract's x_size,
    which overshoots on lines of digits only."""
    estimates = []
    for text, _, box in words:
        if _ABOVE_CAPS.search(text) or _DESCENDING.search(text):
            continue
        if _ASCENDER.search(text):
            estimates.append((box[3] - box[1]) * _ASCENDER_TO_EM)
        elif _CAPITAL.search(text):
            estimates.append((box[3] - box[1]) * _CAPITAL_TO_EM)
    if not estimates:
        estimates = [(baseline - box[1]) * _ASCENT_TO_EM for text, _, box in words
                     if (_ASCENDER.search(text) or _CAPITAL.search(text)) and not _ABOVE_CAPS.search(text)]
    if not estimates:
        return None
    estimates.sort()
    middle = estimates[len(estimates) // 4: len(estimates) - len(estimates) // 4] or estimates
    return sum(middle) / len(middle)


# --------------------------------------------------------------------------- bold
def _stroke_ratio(ink: numpy.ndarray, line: _OcrLine) -> float:
    """Mean length of horizontal ink runs inside the line's word boxes, per pixel of line height."""
    dark = runs = 0
    for _, _, (x0, top, x1, bottom) in line.words:
        crop = ink[int(top):int(bottom) + 1, int(x0):int(x1) + 1]
        if crop.size == 0:
            continue
        dark += int(crop.sum())
        runs += int((crop[:, 1:] & ~crop[:, :-1]).sum() + crop[:, 0].sum())
    return (dark / runs) / line.height if runs and line.height > 0 else 0.0


def _measure_strokes(lines: list[_OcrLine], ink: numpy.ndarray) -> None:
    for line in lines:
        line.stroke = _stroke_ratio(ink, line)


def decide_bold(lines: list[tuple[Line, float]]) -> None:
    """Bold = strokes clearly heavier than the typical (character-weighted median) line of the same
    document: a page with only a heading and a few lines has no typical line of its own."""
    weighted = sorted((stroke, len(line.text)) for line, stroke in lines if stroke > 0)
    if not weighted:
        return
    half, running, typical = sum(n for _, n in weighted) / 2, 0, weighted[-1][0]
    for stroke, n in weighted:
        running += n
        if running >= half:
            typical = stroke
            break
    for line, stroke in lines:
        line.bold = stroke > typical * _BOLD_FACTOR


def _ink(image: numpy.ndarray, frame: int) -> numpy.ndarray:
    """Black/white mask (True = ink) of the image turned into the reading frame; Otsu's threshold."""
    histogram = numpy.bincount(image.ravel(), minlength=256).astype(float)
    total = histogram.sum()
    levels = numpy.arange(256)
    weight = numpy.cumsum(histogram)
    mean = numpy.cumsum(histogram * levels)
    between = (mean[-1] * weight / total - mean) ** 2 / numpy.maximum(weight * (total - weight), 1e-9)
    threshold = int(numpy.argmax(between))
    mask = image <= threshold
    # numpy.rot90 turns counter-clockwise; text at `frame` degrees reads upright after turning back.
    return numpy.rot90(mask, k=-(frame // 90)) if frame else mask


# --------------------------------------------------------------------------- words -> Line
def _to_lines(page_number: int, lines: list[_OcrLine], points_per_pixel: float) -> list[tuple[Line, float]]:
    """Cluster Tesseract's lines by baseline and join each cluster left to right, as pdfplumber does.
    Each Line comes with its stroke ratio (character-weighted), for `decide_bold`."""
    from pdfplumber.utils import cluster_objects  # only OCR needs pdfplumber here (its import is 0.06 s)

    clusters = cluster_objects(lines, lambda l: l.baseline * points_per_pixel, _BASELINE_TOLERANCE)
    out = []
    for cluster in clusters:
        cluster.sort(key=lambda l: l.x0)
        chars = sum(len(w[0]) for l in cluster for w in l.words)
        words = [w[0] for l in cluster for w in l.words]
        if len(words) > 1 and _MISREAD_BULLET.match(words[0]) and words[0] != "-":
            words[0] = "•"  # a printed bullet Tesseract reads as punctuation ("-…", "«", "°")
        text = _DOTS_AFTER_NUMBER.sub(r"\1. ", " ".join(words))
        sizes: dict[float, int] = {}
        for l in cluster:
            size = round(l.height * points_per_pixel, 1)
            sizes[size] = sizes.get(size, 0) + sum(len(w[0]) for w in l.words)
        size = max(sizes, key=sizes.get)
        stroke = sum(l.stroke * len(w[0]) for l in cluster for w in l.words) / max(chars, 1)
        baseline = median(l.baseline for l in cluster) * points_per_pixel
        out.append((Line(page=page_number, top=round(baseline - size * _TOP_ABOVE_BASELINE, 2),
                        x0=round(min(l.x0 for l in cluster) * points_per_pixel, 2),
                        x1=round(max(l.x1 for l in cluster) * points_per_pixel, 2),
                        text=text, font="OCR", size=size), stroke))
    out.sort(key=lambda pair: pair[0].top)
    return out


def read_page(page: pdfium.PdfPage, number: int, settings: OcrSettings) -> tuple[Page, list[tuple[Line, float]]]:
    """OCR one PDF page: the Page (lines in points, reading frame, mean word confidence) and every
    line's stroke ratio (bold is decided per document, by `decide_bold`)."""
    image = render_gray(page, settings.dpi)
    width_pt, _ = page.get_size()
    pixels_per_point = image.shape[1] / width_pt
    hocr = run_tesseract(image, pixels_per_point * 72.0, settings)
    lines, frame, frame_width, frame_height = parse_hocr(hocr)
    if lines:
        _measure_strokes(lines, _ink(image, frame))
    confidences = [c for line in lines for _, c, _ in line.words]
    points_per_pixel = 1.0 / pixels_per_point
    pairs = _to_lines(number, lines, points_per_pixel)
    return Page(number=number, width=round(frame_width * points_per_pixel, 2),
                height=round(frame_height * points_per_pixel, 2),
                lines=[line for line, _ in pairs], has_text_layer=False, ocr=True,
                ocr_confidence=round(sum(confidences) / len(confidences), 2) if confidences else None), pairs


def ocr_page(page: pdfium.PdfPage, number: int, settings: OcrSettings | None = None) -> Page:
    """OCR one PDF page on its own into a Page of Lines (bold judged within the page)."""
    result, pairs = read_page(page, number, settings or OcrSettings())
    decide_bold(pairs)
    return result


def ocr_pages_without_text(path: Path, doc: ExtractedDocument, settings: OcrSettings | None = None) -> ExtractedDocument:
    """Replace every page without a text layer by its OCR reading; pages with text are not touched.

    Without Tesseract (or on a page that fails or times out) the page stays as it was: no text, and the
    parser's `no_text_layer` warning says so."""
    todo = [k for k, page in enumerate(doc.pages) if not page.has_text_layer]
    if not todo:
        return doc
    settings = settings or OcrSettings()
    try:
        check_installed(settings)
    except OcrUnavailable:
        return doc
    pdf = pdfium.PdfDocument(str(path))
    strokes: list[tuple[Line, float]] = []
    try:
        for k in todo:
            page = pdf[k]
            try:
                doc.pages[k], pairs = read_page(page, k + 1, settings)
                strokes.extend(pairs)
            except (subprocess.TimeoutExpired, RuntimeError, ElementTree.ParseError, StopIteration):
                continue  # left as a page without text; the parser warns
            finally:
                page.close()
    finally:
        pdf.close()
    decide_bold(strokes)
    ocr_lines = [line for page in doc.pages if page.ocr for line in page.lines]
    snap_sizes(ocr_lines)
    snap_to_printed_sizes(ocr_lines, [line for page in doc.pages if not page.ocr for line in page.lines])
    return doc


def snap_to_printed_sizes(ocr_lines: list[Line], text_lines: list[Line]) -> None:
    """In a mixed document, give OCR'd lines the nearest size the text layer prints (within
    _SIZE_TOLERANCE), so headings on scanned pages look like headings on the others."""
    printed = sorted({line.size for line in text_lines if line.size > 0})
    if not printed:
        return
    for line in ocr_lines:
        nearest = min(printed, key=lambda size: abs(size - line.size))
        if abs(nearest - line.size) <= nearest * _SIZE_TOLERANCE:
            line.size = nearest


def snap_sizes(lines: list[Line]) -> None:
    """Group sizes into runs without a step above _SIZE_GAP and give each line its run's typical size,
    weighted by characters, rounded to 0.5 pt."""
    ordered = sorted(lines, key=lambda line: line.size)
    groups: list[list[Line]] = []
    for line in ordered:
        if groups and line.size <= groups[-1][-1].size * (1 + _SIZE_GAP):
            groups[-1].append(line)
        else:
            groups.append([line])
    for group in groups:
        weighted = sorted((line.size, len(line.text)) for line in group)
        half = sum(n for _, n in weighted) / 2
        running = 0
        typical = weighted[-1][0]
        for size, n in weighted:
            running += n
            if running >= half:
                typical = size
                break
        for line in group:
            line.size = round(typical * 2) / 2


def ocr_warnings(pages: Iterable[Page]) -> list[ParseWarning]:
    """`low_ocr_confidence` for OCR'd pages whose mean word confidence is below LOW_CONFIDENCE."""
    return [ParseWarning("low_ocr_confidence",
                         f"page {page.number} was read by OCR with mean word confidence "
                         f"{page.ocr_confidence:.0f} (< {LOW_CONFIDENCE:.0f}); check its text", None, page.number)
            for page in pages
            if page.ocr and page.ocr_confidence is not None and page.ocr_confidence < LOW_CONFIDENCE]


def write_image_only_pdf(source: Path, target: Path, dpi: int = DEFAULT_DPI, pages: int | None = None) -> int:
    """Write `source` as a scan would look: every page rendered in grey at `dpi` and stored as a JPEG
    image with no text layer (Pillow's PDF writer), at the original page size. Used by the OCR tests and
    benchmarks/bench_ocr.py to make scanned versions of documents whose gold is known. Returns the page count."""
    pdf = pdfium.PdfDocument(str(source))
    try:
        count = len(pdf) if pages is None else min(pages, len(pdf))
        images = []
        for index in range(count):
            page = pdf[index]
            try:
                images.append(page.render(scale=dpi / 72.0, grayscale=True).to_pil())
            finally:
                page.close()
    finally:
        pdf.close()
    images[0].save(target, "PDF", save_all=True, append_images=images[1:], resolution=float(dpi), quality=90)
    return count
