"""pdfplumber engine: lines with position, font, size and weight, page by page."""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pdfplumber
from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
from pdfminer.pdfparser import PDFSyntaxError
from pdfminer.psparser import PSEOF

from pipeline.extract.base import ExtractionError
from pipeline.model import ExtractedDocument, Line, Page

_BOLD = re.compile(r"bold|black|heavy|semibold|demi|,b\b", re.IGNORECASE)
_ITALIC = re.compile(r"italic|oblique", re.IGNORECASE)


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


class PdfplumberExtractor:
    """Reads every page with pdfplumber, deduplicating faux-bold doubled characters."""

    name = "pdfplumber"

    def extract(self, path: Path, sha256: str) -> ExtractedDocument:
        try:
            pdf = pdfplumber.open(path)
        except (PDFPasswordIncorrect, PDFEncryptionError) as exc:
            raise ExtractionError("encrypted", f"the PDF is encrypted and cannot be read ({exc.__class__.__name__})")
        except (PDFSyntaxError, PSEOF) as exc:
            raise ExtractionError("truncated", f"the PDF structure is broken ({exc.__class__.__name__}: {exc})")
        except Exception as exc:  # pdfminer raises many kinds on damaged files
            raise ExtractionError("unreadable", f"{exc.__class__.__name__}: {exc}")
        pages: list[Page] = []
        try:
            for index, page in enumerate(pdf.pages, start=1):
                clean = page.dedupe_chars()
                raw_lines = clean.extract_text_lines(return_chars=True, strip=True)
                lines = [_line_from_chars(index, raw) for raw in raw_lines if raw["text"].strip()]
                has_text = bool(lines) or not page.images
                pages.append(Page(number=index, width=float(page.width), height=float(page.height),
                                  lines=lines, has_text_layer=has_text))
                page.flush_cache()
        except (PDFPasswordIncorrect, PDFEncryptionError) as exc:
            raise ExtractionError("encrypted", f"the PDF is encrypted ({exc.__class__.__name__})")
        except (PDFSyntaxError, PSEOF) as exc:
            raise ExtractionError("truncated", f"page {len(pages) + 1} cannot be read ({exc.__class__.__name__}: {exc})")
        except ExtractionError:
            raise
        except Exception as exc:
            raise ExtractionError("unreadable", f"page {len(pages) + 1}: {exc.__class__.__name__}: {exc}")
        finally:
            pdf.close()
        if not pages:
            raise ExtractionError("no_pages", "the PDF has no pages")
        if not any(p.lines for p in pages):
            raise ExtractionError("no_text_layer", f"none of the {len(pages)} pages has a text layer (scanned? OCR is not done yet)")
        return ExtractedDocument(source_file=path.name, sha256=sha256, pages=pages, engine=self.name)
