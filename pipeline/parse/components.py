"""The project's own spaCy components, registered as factories so a saved pipeline can load them."""
from __future__ import annotations

import re

from spacy.language import Language
from spacy.tokens import Doc
from spacy.util import filter_spans

from pipeline.parse.case_numbers import EMN, KLE, SLASH, YEAR_SERIAL
from pipeline.parse.decisions import classify_outcome

if not Doc.has_extension("outcome"):
    Doc.set_extension("outcome", default=None)

_ENTITY_PATTERNS: list[tuple[str, re.Pattern]] = [
    ("CASE_NUMBER", KLE), ("CASE_NUMBER", EMN), ("CASE_NUMBER", SLASH), ("CASE_NUMBER", YEAR_SERIAL),
    ("MONEY", re.compile(r"\b\d{1,3}(?:\.\d{3})*(?:,\d+)?\s*(?:mio\.|mia\.|t\.)?\s*kr\.?", re.IGNORECASE)),
    ("TIME", re.compile(r"\bkl\.?\s*\d{1,2}[.:]\d{2}", re.IGNORECASE)),
    ("DATE", re.compile(r"\b\d{1,2}\.\s*(?:januar|februar|marts|april|maj|juni|juli|august|september|oktober|"
                        r"november|december)\s+\d{4}|\b\d{1,2}[.\-]\d{1,2}[.\-]\d{4}\b", re.IGNORECASE)),
    ("PARTY", re.compile(r"(?<=\()[A-ZÆØÅ](?=\))")),
]


@Language.factory("minutes_entities")
def create_minutes_entities(nlp: Language, name: str):
    """Entity ruler for case numbers (KLE and the other printed forms), money, dates, times, party letters."""

    def minutes_entities(doc: Doc) -> Doc:
        spans = []
        for label, pattern in _ENTITY_PATTERNS:
            for match in pattern.finditer(doc.text):
                span = doc.char_span(match.start(), match.end(), label=label, alignment_mode="expand")
                if span is not None:
                    spans.append(span)
        doc.ents = filter_spans(list(doc.ents) + spans)
        return doc

    return minutes_entities


@Language.factory("decision_outcome")
def create_decision_outcome(nlp: Language, name: str):
    """Outcome class of a decision text, from its words and, where they say nothing, its lemmas."""

    def decision_outcome(doc: Doc) -> Doc:
        outcome = classify_outcome(doc.text)
        if outcome == "other":
            lemmas = " ".join(token.lemma_ or token.text for token in doc)
            outcome = classify_outcome(lemmas)
        doc._.outcome = outcome
        return doc

    return decision_outcome
