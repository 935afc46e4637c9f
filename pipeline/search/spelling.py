"""Spelling folding: aa/å, oe/ø, ae/æ (and ASCII o/a for ø/å) -> the corpus's own spelling.

"paarorende" and "paaroerende" both reach "pårørende" through the shared key `skeleton()`.
"""
from __future__ import annotations

from pipeline.search.text import skeleton


def fold_variants(word: str, vocab) -> list[str]:
    """Corpus words with the same spelling key as `word` (most frequent first), excluding the word itself."""
    found = [w for w in vocab.by_skeleton.get(skeleton(word), ()) if w != word]
    return sorted(found, key=lambda w: -vocab.freq.get(w, 0))
