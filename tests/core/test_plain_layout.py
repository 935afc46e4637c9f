"""An unseen, plain-typography layout: no bold, no size differences, labels and headings as plain lines.

The PDF is typeset in the test (matplotlib's PDF backend), so the parser has to rely on structure and
Danish wording alone: numbered lines standing apart as items, exact heading words, labelled front matter.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.extract import extract_document
from pipeline.parse.parser import parse_document

LINES = [
    ("Vesthimmerlands Kommune", 0.0), ("Referat af mødet i Teknik- og Miljøudvalget", 0.03),
    ("Dato: 14. marts 2023, kl. 15.00-17.30", 0.03), ("Sted: Byrådssalen, Rådhuset", 0.02),
    ("Medlemmer: Anne Jensen (A), Bo Hansen (V), Carl Nielsen (C)", 0.02), ("Afbud: Bo Hansen", 0.02),
    ("1. Godkendelse af dagsorden", 0.05), ("Sagsnr.: 23/1234", 0.02),
    ("Indstilling", 0.03), ("Forvaltningen indstiller, at dagsordenen godkendes.", 0.02),
    ("Beslutning", 0.03), ("Godkendt.", 0.02),
    ("2. Trafikplan for midtbyen", 0.05), ("Sagsnr.: 23/2345", 0.02),
    ("Sagsfremstilling", 0.03), ("Forvaltningen har udarbejdet en trafikplan. Planen er sendt i høring.", 0.02),
    ("1. Planen omfatter tre etaper.", 0.02),
    ("Indstilling", 0.03), ("Forvaltningen indstiller, at planen vedtages.", 0.02),
    ("Beslutning", 0.03), ("Udsat til næste møde.", 0.02),
]


@pytest.fixture(scope="module")
def meeting(tmp_path_factory):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_pdf import PdfPages

    path = Path(tmp_path_factory.mktemp("plain")) / "plain-minutes.pdf"
    with PdfPages(path) as pdf:
        fig = plt.figure(figsize=(8.27, 11.69))
        y = 0.95
        for text, gap in LINES:
            y -= gap
            fig.text(0.08, y, text, fontsize=10, family="DejaVu Sans")
        pdf.savefig(fig)
        plt.close(fig)
    return parse_document(extract_document(path, "plain"))


def test_front_matter(meeting):
    assert meeting.municipality == "Vesthimmerlands Kommune"
    assert meeting.committee == "Teknik- og Miljøudvalget"
    assert (meeting.meeting_date, meeting.start_time, meeting.end_time) == ("2023-03-14", "15:00", "17:30")
    assert meeting.location == "Byrådssalen, Rådhuset"
    assert meeting.members == ["Anne Jensen", "Bo Hansen", "Carl Nielsen"]
    assert [a.name for a in meeting.absent] == ["Bo Hansen"]


def test_items_without_typography(meeting):
    # the numbered sentence inside item 2's case text is not an item
    assert [(i.number, i.title) for i in meeting.items] == [(1, "Godkendelse af dagsorden"), (2, "Trafikplan for midtbyen")]
    assert [i.case_number.printed for i in meeting.items] == ["23/1234", "23/2345"]
    assert [i.recommendation for i in meeting.items] == ["at dagsordenen godkendes.", "at planen vedtages."]
    assert [(i.decision.text, i.decision.outcome) for i in meeting.items] == [
        ("Godkendt.", "approved"), ("Udsat til næste møde.", "postponed")]
    assert all(i.absent == ["Bo Hansen"] for i in meeting.items)
    assert meeting.warnings == []


def test_bold_headings_numbered_without_punctuation(tmp_path):
    """'12 Titel' (no dot) in bold, section headings bold at body size, a bold table header in the body."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_pdf import PdfPages

    lines = [
        ("Norddjurs Kommune", 0.0, "bold"), ("Referat - Børne- og Skoleudvalget", 0.03, "normal"),
        ("Mødedato: 2. februar 2024", 0.03, "normal"), ("Mødetidspunkt: 16:00", 0.02, "normal"),
        ("12 Skolestruktur", 0.05, "bold"), ("Sagsnr.: 24/100", 0.02, "normal"),
        ("Beløb i 1.000 kr.", 0.03, "bold"), ("Udgifter 2024 1.200", 0.02, "normal"),
        ("Beslutning", 0.03, "bold"), ("Drøftet.", 0.02, "normal"),
        ("13 Eventuelt", 0.05, "bold"), ("Beslutning", 0.03, "bold"), ("Intet.", 0.02, "normal"),
    ]
    path = tmp_path / "spaced.pdf"
    with PdfPages(path) as pdf:
        fig = plt.figure(figsize=(8.27, 11.69))
        y = 0.95
        for text, gap, weight in lines:
            y -= gap
            fig.text(0.08, y, text, fontsize=12 if text[:2].isdigit() else 10, fontweight=weight, family="DejaVu Sans")
        pdf.savefig(fig)
        plt.close(fig)
    meeting = parse_document(extract_document(path, "spaced"))
    assert meeting.committee == "Børne- og Skoleudvalget"
    assert [(i.number, i.title) for i in meeting.items] == [(12, "Skolestruktur"), (13, "Eventuelt")]
    assert [(i.decision.text, i.decision.outcome) for i in meeting.items] == [("Drøftet.", "discussed"), ("Intet.", "other")]
    assert meeting.items[0].case_number.printed == "24/100"
