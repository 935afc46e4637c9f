"""pdfplumber engine: lines with position, font, size and weight, page by page."""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from pipeline.extract.base import ExtractionError, has_doubled_glyphs
from pipeline.model import ExtractedDocument, Line, Page

_BOLD = re.compile(r"bold|black|heavy|semibold|demi|,b\b", re.IGNORECASE)
_ITALIC = re.compile(r"italic|oblique", re.IGNORECASE)


def _unwrap(exc: BaseException) -> BaseException:
    """pdfplumber wraps pdfminer's errors in PdfminerException; find the original."""
    for candidate in (exc.args[0] if exc.args else None, exc.__cause__, exc.__context__):
        if isinstance(candidate, BaseException):
            return candidate
    return exc


def _line_from_chars(page_number: int, raw: dict) -> Line:
    chars = [c for c in raw["chars"] if c["text"].strip()]
    fonts = Counter(c["fontname"] for c in chars)
    font = fonts.most_common(1)[0][0] if fonts else ""
    bold_chars = sum(1 for c in chars if _BOLD.search(c["fontname"]))
    sizes = Counter(round(c["size"], 1) for c in chars)
    return Line(
        page=page_number,
        top=float(raw["top"]),
        x0=float(raw["x0"]),
        x1=float(raw["x1"]),
        text=raw["text"],
        font=font.split("+", 1)[-1],
        size=sizes.most_common(1)[0][0] if sizes else 0.0,
        bold=bool(chars) and bold_chars >= 0.6 * len(chars),
        italic=bool(_ITALIC.search(font)),
    )


def _classify(exc: BaseException, where: str) -> ExtractionError:
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
    from pdfminer.pdfparser import PDFSyntaxError
    from pdfminer.psparser import PSEOF

    original = _unwrap(exc)
    name = original.__class__.__name__
    if isinstance(original, (PDFPasswordIncorrect, PDFEncryptionError)) or "encrypt" in str(original).lower() \
            or "password" in name.lower():
        return ExtractionError("encrypted", f"{where}: the PDF is encrypted ({name})")
    if isinstance(original, (PDFSyntaxError, PSEOF)):
        return ExtractionError("truncated", f"{where}: broken structure ({name}: {original})")
    return ExtractionError("unreadable", f"{where}: {name}: {original}")


class PdfplumberExtractor:
    """Reads every page with pdfplumber, deduplicating faux-bold doubled characters."""

    name = "pdfplumber"

    def extract(self, path: Path, sha256: str) -> ExtractedDocument:
        # imported here: the default engine never needs pdfplumber, and importing it is 0.06 s of every
        # ingest's start-up (the workers wait for the parent's imports)
        import pdfplumber

        try:
            pdf = pdfplumber.open(path)
        except MemoryError:  # the worker's memory limit: the caller records too_large, not a broken file
            raise
        except Exception as exc:  # pdfminer raises many kinds on damaged files
            raise _classify(exc, "the PDF cannot be opened")
        pages: list[Page] = []
        try:
            for index, page in enumerate(pdf.pages, start=1):
                doubled = has_doubled_glyphs((c["text"], c["x0"], c["top"]) for c in page.chars)
                clean = page.dedupe_chars() if doubled else page
                raw_lines = clean.extract_text_lines(return_chars=True, strip=True)
                lines = [_line_from_chars(index, raw) for raw in raw_lines if raw["text"].strip()]
                has_text = bool(lines) or not page.images
                pages.append(Page(number=index, width=float(page.width), height=float(page.height),
                                  lines=lines, has_text_layer=has_text))
                page.flush_cache()
        except MemoryError:
            raise
        except Exception as exc:
            raise _classify(exc, f"page {len(pages) + 1} cannot be read")
        finally:
            pdf.close()
        return ExtractedDocument(source_file=path.name, sha256=sha256, pages=pages, engine=self.name)
