"""Document classes on typeset and real PDFs, a supplementary agenda, and the export of every version."""
from __future__ import annotations

import json

import pytest

from identity_support import variant
from pipeline.classify import DocClass, classify_document
from pipeline.extract import extract_document
from pipeline.ingest.service import ingest_paths
from pipeline.model import ParsedDocument
from pipeline.parse.parser import parse_document
from pipeline.warehouse.db import connect
from pipeline.warehouse.export import export_json
from pipeline.warehouse.integrity import orphan_counts, version_problems
from identity_typeset import minutes_lines, typeset

NOTAT = [("Notat", 0, "bold", 16), ("Til: Byrådet", 0.04, "normal", 10), ("Dato: 3. september 2025", 0.02, "normal", 10),
         ("1. Status på klimatilpasning", 0.05, "bold", 12), ("Der er etableret to regnvandsbassiner.", 0.03, "normal", 10),
         ("2. Økonomi", 0.05, "bold", 12), ("Projektet holder budgettet.", 0.03, "normal", 10)]
BILAG = [("Bilag 2: Tidsplan for udvalgets arbejde", 0, "bold", 14), ("Oktober 2025: første møde", 0.04, "normal", 10),
         ("December 2025: høring af borgere", 0.02, "normal", 10)]
CANCELLED = [("Greve Kommune", 0, "bold", 14), ("Referat - Plan- og Tryghedsudvalget", 0.03, "bold", 14),
             ("Mødedato: 9. september 2025", 0.04, "normal", 10), ("Mødetidspunkt: kl. 17.00", 0.02, "normal", 10),
             ("Mødested: Mødelokale 3", 0.02, "normal", 10), ("Mødet blev aflyst.", 0.05, "normal", 10)]


def parsed_pdf(path):
    extracted = extract_document(path, path.stem)
    return ParsedDocument(extracted, parse_document(extracted))


@pytest.mark.parametrize("lines, expected", [(NOTAT, DocClass.NOTAT), (BILAG, DocClass.BILAG),
                                             (CANCELLED, DocClass.REFERAT)])
def test_typeset_documents_are_classified_by_structure_and_wording(tmp_path, lines, expected):
    facts = classify_document(parsed_pdf(typeset(tmp_path / "doc.pdf", lines)))
    assert facts.doc_class == expected
    assert (facts.title is None) == expected.is_minutes


def test_real_minutes_are_minutes_in_either_channel(greve_parsed):
    for parsed in greve_parsed.values():
        assert classify_document(parsed).doc_class == DocClass.REFERAT
        portal = variant(parsed, "j")
        portal.source_kind = "portal_json"
        portal.extracted.pages = []  # structured data has no pages: still the meeting
        assert classify_document(portal).doc_class == DocClass.REFERAT


def test_supplementary_agenda_adds_items_and_every_version_is_exported(tmp_path):
    agenda = typeset(tmp_path / "dagsorden.pdf", minutes_lines(
        "17.30", [(1, "Godkendelse af dagsorden", "", []), (2, "Lokalplan 1.234 for Tune Bymidte", "", []),
                  (3, "Nedsættelse af udvalg om klimatilpasning", "", [])], heading="Dagsorden"))
    supplement = typeset(tmp_path / "tillaeg.pdf", minutes_lines(
        "17.30", [(4, "Salg af grund i Karlslunde", "", []), (5, "Anlægsbevilling til cykelsti", "", [])],
        heading="Tillægsdagsorden"))
    con = connect(tmp_path / "w.duckdb")
    report = ingest_paths([agenda, supplement], con, workers=1)
    assert report.ingested == 2
    assert con.execute("SELECT count(*), any_value(document_type) FROM meetings").fetchone() == (1, "dagsorden")
    assert [r[0] for r in con.execute("SELECT number FROM agenda_items ORDER BY position").fetchall()] == [1, 2, 3, 4, 5]
    assert sorted(con.execute("SELECT source_file, status, supplement FROM document_versions").fetchall()) == [
        ("dagsorden.pdf", "current", False), ("tillaeg.pdf", "source", True)]
    assert not any({**orphan_counts(con), **version_problems(con)}.values())
    out = tmp_path / "out"
    assert export_json(con, out) == 2
    exported = {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in out.glob("*.json")}
    assert [i["number"] for i in exported["dagsorden"]["items"]] == [1, 2, 3, 4, 5]
    assert [i["number"] for i in exported["tillaeg"]["items"]] == [4, 5]  # a source exports its own parse
    assert exported["tillaeg"]["meeting_id"] == exported["dagsorden"]["meeting_id"]
    con.close()
