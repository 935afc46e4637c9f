"""PDFs typeset in the tests (matplotlib's PDF backend, as tests/core/test_plain_layout.py does)."""
from __future__ import annotations

from pathlib import Path

# (text, gap above as a fraction of the page height, weight, size)
Line = tuple[str, float, str, int]


def typeset(path: Path, lines: list[Line]) -> Path:
    """Write `lines` onto A4 pages (a new page when the current one is full); returns `path`."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_pdf import PdfPages

    with PdfPages(path) as pdf:
        fig = plt.figure(figsize=(8.27, 11.69))
        y = 0.95
        for text, gap, weight, size in lines:
            if y - gap < 0.06:
                pdf.savefig(fig)
                plt.close(fig)
                fig = plt.figure(figsize=(8.27, 11.69))
                y = 0.95 + gap
            y -= gap
            fig.text(0.08, y, text, fontsize=size, fontweight=weight, family="DejaVu Sans")
        pdf.savefig(fig)
        plt.close(fig)
    return path


def minutes_lines(time: str, items: list[tuple[int, str, str, list[str]]], heading: str = "Referat",
                  committee: str = "Byrådet", date: str = "8. september 2025") -> list[Line]:
    """A Greve-like council meeting: front matter, then numbered items with Indstilling, Beslutning and Bilag."""
    lines: list[Line] = [("Greve Kommune", 0.0, "bold", 14), (f"{heading} - {committee}", 0.03, "bold", 14),
                         (f"Mødedato: {date}", 0.04, "normal", 10), (f"Mødetidspunkt: kl. {time}", 0.02, "normal", 10),
                         ("Mødested: Byrådssalen, Rådhuset", 0.02, "normal", 10),
                         ("Medlemmer: Pernille Beckmann (V), Peter Jørgensen (C), Kasper Ejsing Olesen (A)", 0.02,
                          "normal", 10)]
    for number, title, decision, attachments in items:
        lines += [(f"{number}. {title}", 0.05, "bold", 12),
                  ("Indstilling", 0.03, "bold", 10), (f"Administrationen indstiller, at {title.lower()} godkendes.", 0.02, "normal", 10)]
        if decision:
            lines += [("Beslutning", 0.03, "bold", 10), (decision, 0.02, "normal", 10)]
        if attachments:
            lines += [("Bilag", 0.03, "bold", 10)] + [(f"Bilag {k}: {title_}", 0.02, "normal", 10)
                                                       for k, title_ in enumerate(attachments, start=1)]
    return lines


KOMMISSORIUM_TITLE = "Kommissorium for §17, stk. 4-udvalg om klimatilpasning"

# Two meetings of one municipal council on one day (17.15 and 17.30), items as (number, title, decision,
# attachments), and the second one re-published with a changed decision
FIRST_MEETING = [(1, "Godkendelse af dagsorden", "Godkendt.", []),
                 (2, "Budget 2026-2029, 1. behandling", "Oversendt til 2. behandling.", [])]
SECOND_MEETING = [(1, "Godkendelse af dagsorden", "Godkendt.", []),
                  (2, "Lokalplan 1.234 for Tune Bymidte", "Godkendt.", []),
                  (3, "Nedsættelse af udvalg om klimatilpasning", "Godkendt.",
                   [KOMMISSORIUM_TITLE, "Tidsplan for udvalgets arbejde"])]
SECOND_CORRECTED = [(n, t, "Godkendt med den ændring, at bymidten udvides mod syd." if n == 2 else d, a)
                    for n, t, d, a in SECOND_MEETING]


def kommissorium_lines() -> list[Line]:
    """Terms of reference for a §17 stk. 4 committee: a typical attachment, with a date and numbered sections."""
    return [(KOMMISSORIUM_TITLE, 0.0, "bold", 16),
            ("Godkendt af Byrådet den 8. september 2025", 0.04, "normal", 10),
            ("1. Baggrund", 0.05, "bold", 12),
            ("Byrådet nedsætter et udvalg efter styrelseslovens § 17, stk. 4, om klimatilpasning af kysten.", 0.03, "normal", 10),
            ("2. Formål", 0.05, "bold", 12),
            ("Udvalget skal rådgive om diger, regnvandsbassiner og sikring mod stormflod i Greve Strand.", 0.03, "normal", 10),
            ("3. Sammensætning", 0.05, "bold", 12),
            ("Udvalget består af fem medlemmer af Byrådet og fire borgere.", 0.03, "normal", 10)]
