"""Typo correction with rapidfuzz against the index vocabulary."""
from __future__ import annotations

from rapidfuzz import fuzz, process

from pipeline.search.text import skeleton


def correct(word: str, vocab, min_score: float = 80.0) -> str | None:
    """The closest corpus word to an unknown `word` (ties broken by frequency), or None."""
    if len(word) < 4 or not word.isalpha():
        return None
    cutoff = min_score if len(word) >= 6 else 85.0
    matches = process.extract(word, vocab.typo_choices, scorer=fuzz.ratio, limit=8, score_cutoff=cutoff)
    folded = skeleton(word)
    best = None
    for candidate, score, _ in matches:
        # a spelling-folded near match counts extra; frequency breaks ties
        key = (score + (5 if skeleton(candidate) == folded else 0), vocab.freq.get(candidate, 0))
        if best is None or key > best[0]:
            best = (key, candidate)
    return best[1] if best else None
