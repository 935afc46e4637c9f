"""The parser is a spaCy pipeline: a Doc built from the extracted words with layout spans, registered
components with requires/assigns, the Danish lexicon as pattern files in the tracked models/ folder."""
from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
import spacy

from pipeline.extract import extract_document
from pipeline.parse.layout_doc import PROVIDED
from pipeline.parse.nlp import COMPONENTS, build_pipeline, default_model_dir, load_pipeline
from pipeline.parse.parser import parse_document, read_document

SEED_PDF = Path(__file__).resolve().parents[1] / "fixtures" / "parse" / "hedensted-2021-09-06.pdf"


@pytest.fixture(scope="module")
def extracted():
    return extract_document(SEED_PDF, "seed")


@pytest.fixture(scope="module")
def doc(extracted):
    return read_document(extracted)


def test_doc_is_built_from_the_extracted_words(extracted, doc):
    lines = extracted.lines
    layout = doc.spans["layout"]
    assert len(layout) == len(lines)
    for span, line in zip(layout, lines):
        # the span's tokens are the printed words (edge punctuation split off, nothing re-tokenised)
        assert span.text == " ".join(line.text.split())
        assert (span._.layout.page, span._.layout.bold, span._.layout.size) == (line.page, line.bold, line.size)
    assert doc._.text == doc.text


def test_components_declare_what_they_read_and_write():
    nlp = load_pipeline()
    assert nlp.pipe_names == COMPONENTS
    analysis = nlp.analyze_pipes()
    # every attribute a component reads is assigned by an earlier one or by the layout Doc itself
    unmet = {name: set(attrs) - set(PROVIDED) for name, attrs in analysis["problems"].items()}
    assert not any(unmet.values()), unmet
    for name in COMPONENTS[1:]:
        meta = nlp.get_pipe_meta(name)
        assert meta.requires and meta.assigns, name


def test_component_output_is_the_meeting(doc):
    meeting = doc._.meeting
    assert [span.label_ for span in doc.spans["items"]] == [str(item.number) for item in meeting.items]
    decisions = [item.decision.text for item in meeting.items if item.decision and item.decision.text]
    assert decisions and all(any(text.split()[0] in span.text for span in doc.spans["decisions"]) for text in decisions)
    labels = {ent.label_ for ent in doc.ents}
    assert {"CASE_NUMBER", "DATE", "MEMBER"} <= labels
    assert any(ent.label_ == "CASE_NUMBER" and ent.text == "00.15.00-P35-1-20" for ent in doc.ents)


def test_committed_model_is_what_build_model_writes(tmp_path):
    """models/ is tracked: a rebuild gives the same bytes (and the committed copy is in sync)."""
    fresh = build_pipeline(tmp_path / "minutes_da")
    committed = default_model_dir()
    names = sorted(p.relative_to(fresh).as_posix() for p in fresh.rglob("*") if p.is_file())
    assert names == sorted(p.relative_to(committed).as_posix() for p in committed.rglob("*") if p.is_file())
    for name in names:
        assert (fresh / name).read_bytes() == (committed / name).read_bytes(), name
    assert sum((fresh / name).stat().st_size for name in names) < 1_000_000  # no lemma tables copied in


def test_loading_the_pipeline_is_fast():
    best = min(_timed_load() for _ in range(2))
    assert best < 1.0, f"spacy.load of models/minutes_da took {best:.2f} s"


def _timed_load() -> float:
    started = time.perf_counter()
    spacy.load(default_model_dir())
    return time.perf_counter() - started


def test_deleting_a_pattern_entry_changes_the_parse(extracted, tmp_path):
    model = tmp_path / "minutes_da"
    shutil.copytree(default_model_dir(), model)
    before = parse_document(extracted, load_pipeline(str(model)))
    item = before.items[0]
    assert [s.kind for s in item.sections][:2] == ["issue", "body"]  # Beslutningstema, Sagsfremstilling

    patterns = model / "minutes_lexicon" / "headings.jsonl"
    kept = [line for line in patterns.read_text(encoding="utf-8").splitlines()
            if line != '{"label": "issue", "pattern": "beslutningstema"}']
    assert len(kept) == len(patterns.read_text(encoding="utf-8").splitlines()) - 1
    patterns.write_text("\n".join(kept) + "\n", encoding="utf-8")
    edited = tmp_path / "edited"
    shutil.copytree(model, edited)  # a new path: load_pipeline caches per path
    after = parse_document(extracted, load_pipeline(str(edited)))
    assert after.items[0].sections[0].heading == "Beslutningstema"
    assert after.items[0].sections[0].kind != "issue"


def test_decisions_read_lemmas_without_the_full_table():
    """A decision the word rules leave as 'other' is read again through its lookup lemmas, from the
    small outcome-lemma table saved with the model (the 550,000-entry table is not loaded for it)."""
    from pipeline.parse.components import read_decision

    nlp = load_pipeline()
    lemmatizer = nlp.get_pipe("lemmatizer")
    assert lemmatizer.outcome_lemmas["vedtog"] == "vedtage" and len(lemmatizer.outcome_lemmas) < 2000
    assert read_decision("Sagen fik ikke drøftelser.", None).outcome == "other"  # the words alone
    assert read_decision("Sagen fik ikke drøftelser.", None, nlp).outcome == "discussed"  # drøftelse
    assert lemmatizer._lookups is None
