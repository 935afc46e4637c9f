"""Parse an extracted document into a Meeting: one spaCy `Doc` per document, run through the
registered components (pipeline/parse/components.py); the Meeting they assemble is the result."""
from __future__ import annotations

from spacy.tokens import Doc

from pipeline.model import ExtractedDocument, Meeting
from pipeline.parse.layout_doc import make_layout_doc


def read_document(doc: ExtractedDocument, nlp=None) -> Doc:
    """The document as a `Doc` with every component's output on it (layout spans, items, sections,
    entities, `doc._.meeting`). `nlp` is the loaded pipeline (load_pipeline() when None)."""
    if nlp is None:
        from pipeline.parse.nlp import load_pipeline
        nlp = load_pipeline()
    spacy_doc = make_layout_doc(nlp.vocab, doc)
    for _, component in nlp.pipeline:  # disabled components (the lemmatizer) do not run
        spacy_doc = component(spacy_doc)
    return spacy_doc


def parse_document(doc: ExtractedDocument, nlp=None) -> Meeting:
    """The meeting a cleaned ExtractedDocument describes. `nlp` is the loaded spaCy pipeline."""
    return read_document(doc, nlp)._.meeting
