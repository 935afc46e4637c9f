"""Hostile PDFs built in the test (small on disk): a flate bomb and a page with very many glyphs."""
from __future__ import annotations

import zlib
from pathlib import Path


def _pdf(content: bytes, filters: str = "/Filter /FlateDecode") -> bytes:
    """A one-page PDF with a Helvetica font and the given (already encoded) content stream."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> "
        b"/Contents 4 0 R >>",
        b"<< /Length " + str(len(content)).encode() + b" " + filters.encode() + b" >>\nstream\n" + content
        + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def flate_bomb(path: Path, inflated_mb: int = 1024) -> Path:
    """A page whose content stream inflates to `inflated_mb` MB of PDF comments (about 1 MB per GB on disk)."""
    compressor = zlib.compressobj(9)
    block = b"%" + b"A" * (1024 * 1024 - 2) + b"\n"
    parts = [compressor.compress(b"BT /F1 12 Tf 72 720 Td (Bombe) Tj ET\n")]
    for _ in range(inflated_mb):
        parts.append(compressor.compress(block))
    parts.append(compressor.flush())
    path.write_bytes(_pdf(b"".join(parts)))
    return path


def glyph_flood(path: Path, glyphs: int = 1_000_000) -> Path:
    """One page with `glyphs` tiny glyphs in lines of 200, each at its own position (a few KB on disk)."""
    line = b"(" + b"Referat " * 25 + b") Tj 0 -0.16 Td\n"
    lines = glyphs // 200
    columns = max(1, lines // 5000 + 1)
    content = bytearray(b"BT /F1 0.15 Tf\n")
    for column in range(columns):
        count = min(5000, lines - column * 5000)
        if count <= 0:
            break
        content += f"1 0 0 1 {10 + column * 20} 830 Tm\n".encode() + line * count
    content += b"ET\n"
    path.write_bytes(_pdf(zlib.compress(bytes(content), 9)))
    return path


REPO = Path(__file__).resolve().parents[2]
PDFS = REPO / "tests" / "fixtures" / "nightly"
GOOD = ["east-0001", "east-0006", "agenda-classic-0003"]


def good_pdf(name: str = "east-0001") -> Path:
    return PDFS / f"{name}.pdf"


def one_line_error(text: str) -> bool:
    """An error an operator can read: no traceback, the message on one line."""
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return len(lines) == 1 and "Traceback" not in text
