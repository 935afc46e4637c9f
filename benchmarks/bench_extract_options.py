"""Ways to get positioned, styled lines without per-glyph Python, measured side by side against the reference.

    .venv/bin/python benchmarks/bench_extract_options.py              # public corpus + real + 10 Greve PDFs
    .venv/bin/python benchmarks/bench_extract_options.py --greve 100

Options (raw lines, before the layout clean-up; the pdfplumber engine is the reference):
* `pdfium`            the engine as shipped: glyphs read in one C call per page, grouped with numpy;
* `pdfium-python`     the same engine with every glyph read through ctypes and grouped in Python (before);
* `pdfium-runs`       PDFium's text-run rectangles (FPDFText_CountRects/GetRect/GetBoundedText), font,
                      size and weight read once per run at the run's first character, runs clustered into
                      lines by their top (3 pt) and joined left to right with a space;
* `pymupdf`           PyMuPDF `get_text("rawdict")` (characters with origin and box, spans with font,
                      size, flags), grouped with the same numpy rules as `pdfium` -- only if PyMuPDF is
                      installed (it is not a dependency: AGPL-3.0, see the README).

Per option: pages/s (extraction only), share of reference lines found with the same (page, text),
share of those within 0.5 pt (top and x0), share with the same style (font, size, bold, italic).
"""
from __future__ import annotations

import argparse
import ctypes
import difflib
import re
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PUBLIC = Path("/work/shared/corpus/public")
REAL = Path("/work/shared/corpus/real")
GREVE = Path("/work/shared/corpus/greve")
_BOLD = re.compile(r"bold|black|heavy|semibold|demi|,b\b", re.IGNORECASE)
_ITALIC = re.compile(r"italic|oblique", re.IGNORECASE)


def pdfium_runs(path: Path):
    """Lines from PDFium's text-run rectangles; style once per run."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as c

    from pipeline.model import ExtractedDocument, Line, Page

    pdf = pdfium.PdfDocument(str(path))
    pages = []
    buffer = ctypes.create_string_buffer(256)
    flags = ctypes.c_int()
    try:
        for index in range(len(pdf)):
            page = pdf[index]
            width, height = page.get_size()
            textpage = page.get_textpage()
            raw = textpage.raw
            runs = []
            for k in range(c.FPDFText_CountRects(raw, 0, -1)):
                left, top, right, bottom = (ctypes.c_double() for _ in range(4))
                c.FPDFText_GetRect(raw, k, ctypes.byref(left), ctypes.byref(top), ctypes.byref(right),
                                   ctypes.byref(bottom))
                text = textpage.get_text_bounded(left.value, bottom.value, right.value, top.value).strip()
                if not text:
                    continue
                first = c.FPDFText_GetCharIndexAtPos(raw, left.value + 0.5, (top.value + bottom.value) / 2, 2, 2)
                size = c.FPDFText_GetFontSize(raw, first) if first >= 0 else 0.0
                n = c.FPDFText_GetFontInfo(raw, first, buffer, len(buffer), ctypes.byref(flags)) if first >= 0 else 0
                font = buffer.raw[: max(0, n - 1)].decode("utf-8", "replace").split("+", 1)[-1] if n else ""
                weight = c.FPDFText_GetFontWeight(raw, first) if first >= 0 else 0
                runs.append((height - top.value, left.value, right.value, " ".join(text.split()), font, size,
                             bool(_BOLD.search(font)) or weight >= 600))
            textpage.close()
            page.close()
            runs.sort(key=lambda r: r[0])
            groups: list[list] = []
            for run in runs:
                if groups and run[0] <= groups[-1][-1][0] + 3.0:
                    groups[-1].append(run)
                else:
                    groups.append([run])
            lines = []
            for group in groups:
                group.sort(key=lambda r: r[1])
                weights = Counter()
                for r in group:
                    weights[(r[4], round(r[5], 1))] += len(r[3])
                font, size = weights.most_common(1)[0][0]
                bold = sum(len(r[3]) for r in group if r[6]) >= 0.6 * sum(len(r[3]) for r in group)
                lines.append(Line(page=index + 1, top=min(r[0] for r in group), x0=group[0][1],
                                  x1=max(r[2] for r in group), text=" ".join(r[3] for r in group), font=font,
                                  size=size, bold=bold, italic=bool(_ITALIC.search(font))))
            pages.append(Page(number=index + 1, width=width, height=height, lines=lines, has_text_layer=True))
    finally:
        pdf.close()
    return ExtractedDocument(source_file=path.name, sha256="x", pages=pages, engine="pdfium-runs")


def pymupdf_lines(path: Path):
    """Lines from PyMuPDF's characters, grouped with the pdfium engine's numpy rules."""
    import numpy as np
    import pymupdf

    from pipeline.extract.glyphs import group_words, text_of
    from pipeline.model import ExtractedDocument, Line, Page

    pages = []
    with pymupdf.open(path) as pdf:
        for index, page in enumerate(pdf):
            rows = []  # code, x0, x1, top, size, font, bold
            for block in page.get_text("rawdict", flags=pymupdf.TEXTFLAGS_RAWDICT & ~pymupdf.TEXT_PRESERVE_IMAGES)["blocks"]:
                for line in block.get("lines", ()):
                    for span in line["spans"]:
                        size, font = span["size"], span["font"].split("+", 1)[-1]
                        bold = bool(span["flags"] & 16) or bool(_BOLD.search(font))
                        descent = span["descender"] * size
                        for ch in span["chars"]:
                            rows.append((ord(ch["c"][0]) if ch["c"] else 32, ch["origin"][0], ch["bbox"][2],
                                         ch["origin"][1] - size - descent, size, font, bold))
            lines = []
            if rows:
                codes = np.array([r[0] for r in rows], dtype=np.uint32)
                x0 = np.array([r[1] for r in rows])
                x1 = np.array([r[2] for r in rows])
                top = np.array([r[3] for r in rows])
                runs = group_words(codes, x0, x1, top)
                order = runs.order.tolist()
                text = text_of(codes[runs.order])
                wb = runs.word_starts.tolist() + [len(order)]
                lb = runs.line_starts.tolist() + [len(runs.word_starts)]
                for k in range(len(runs.line_starts)):
                    s, e = wb[lb[k]], wb[lb[k + 1]]
                    chars = [rows[i] for i in order[s:e]]
                    font = Counter(r[5] for r in chars).most_common(1)[0][0]
                    lines.append(Line(page=index + 1, top=min(r[3] for r in chars), x0=min(r[1] for r in chars),
                                      x1=max(r[2] for r in chars),
                                      text=" ".join(text[wb[w]:wb[w + 1]] for w in range(lb[k], lb[k + 1])),
                                      font=font, size=Counter(round(r[4], 1) for r in chars).most_common(1)[0][0],
                                      bold=sum(r[6] for r in chars) >= 0.6 * len(chars),
                                      italic=bool(_ITALIC.search(font))))
            pages.append(Page(number=index + 1, width=page.rect.width, height=page.rect.height, lines=lines,
                              has_text_layer=True))
    return ExtractedDocument(source_file=path.name, sha256="x", pages=pages, engine="pymupdf")


def options() -> dict:
    from pipeline.extract import glyphs
    from pipeline.extract.pdfium_engine import PdfiumExtractor

    def python_path(path):
        saved, glyphs._glyphs = glyphs._glyphs, None
        try:
            return PdfiumExtractor(vectorised=False).extract(path, "x")
        finally:
            glyphs._glyphs = saved

    out = {"pdfium": lambda p: PdfiumExtractor().extract(p, "x"), "pdfium-python": python_path,
           "pdfium-runs": pdfium_runs}
    try:
        import pymupdf  # noqa: F401
        out["pymupdf"] = pymupdf_lines
    except ImportError:
        pass
    return out


def compare(reference, candidate) -> tuple[int, int, int, int]:
    """(reference lines, same text, within 0.5 pt, same style)."""
    a, b = reference.lines, candidate.lines
    key = lambda line: (line.page, line.text)  # noqa: E731
    matcher = difflib.SequenceMatcher(None, [key(x) for x in a], [key(x) for x in b], autojunk=False)
    pairs = [(a[m.a + k], b[m.b + k]) for m in matcher.get_matching_blocks() for k in range(m.size)]
    near = sum(1 for x, y in pairs if abs(x.top - y.top) <= 0.5 and abs(x.x0 - y.x0) <= 0.5)
    style = sum(1 for x, y in pairs if (x.font, x.size, x.bold, x.italic) == (y.font, y.size, y.bold, y.italic))
    return len(a), len(pairs), near, style


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--greve", type=int, default=10, help="also the first N Greve PDFs (default 10)")
    args = parser.parse_args()
    from pipeline.extract.pdfplumber_engine import PdfplumberExtractor

    pdfs = sorted(PUBLIC.glob("*.pdf")) + sorted(REAL.glob("*.pdf")) + sorted(GREVE.glob("*.pdf"))[: args.greve]
    candidates = options()
    totals = {name: [0.0, 0, 0, 0, 0, 0] for name in ["pdfplumber", *candidates]}  # s, pages, ref, same, near, style
    for pdf in pdfs:
        start = time.perf_counter()
        reference = PdfplumberExtractor().extract(pdf, "x")
        totals["pdfplumber"][0] += time.perf_counter() - start
        totals["pdfplumber"][1] += len(reference.pages)
        for name, extract in candidates.items():
            start = time.perf_counter()
            doc = extract(pdf)
            t = totals[name]
            t[0] += time.perf_counter() - start
            t[1] += len(doc.pages)
            for k, v in enumerate(compare(reference, doc), start=2):
                t[k] += v
    base = totals["pdfplumber"][1] / totals["pdfplumber"][0]
    print(f"{len(pdfs)} PDFs, {totals['pdfplumber'][1]} pages; raw lines vs the pdfplumber engine\n")
    print(f"{'option':14s} {'pages/s':>8s} {'vs ref':>7s} {'same lines':>10s} {'<=0.5 pt':>9s} {'same style':>10s}")
    for name, (s, pages, ref, same, near, style) in totals.items():
        if name == "pdfplumber":
            print(f"{name:14s} {pages / s:8.1f} {1:6.1f}x {'reference':>10s}")
            continue
        print(f"{name:14s} {pages / s:8.1f} {pages / s / base:6.1f}x {same / ref:10.1%} {near / max(same, 1):9.1%} "
              f"{style / max(same, 1):10.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
