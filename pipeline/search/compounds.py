"""Compound splitting against a vocabulary learned from the corpus itself.

Danish writes compounds as one word ("frivilligfest", "pårørendepolitikken"). A word is split into
parts that are themselves corpus words, allowing the linking letters s/e between parts
("anlæg-s-bevilling") and an inflected last part ("fest-en"). The parts go into the index's
normalised column and into the query, so "frivilligfest" also finds "fest for de frivillige".
"""
from __future__ import annotations

from functools import lru_cache
from typing import Mapping

from pipeline.search.text import STOPWORDS

MIN_PART = 4
# Derivational endings that are words on their own but never a compound's last part.
NOT_TAILS = frozenset({"else", "elsen", "elser", "ingen", "inger", "ning", "ningen", "heden", "ende", "ende",
                       "erne", "ene", "ighed", "isk", "iske", "sk"})
MIN_WORD = 7
# Endings an inflected last part may carry beyond a vocabulary word ("festen" -> "fest").
TAIL_ENDINGS = ("", "en", "et", "er", "erne", "ene", "e", "s", "ens", "ets", "ernes", "ne", "n", "r", "t")
_STOP = frozenset(STOPWORDS)


class CompoundSplitter:
    """Splits words into known corpus words. `vocab` maps word -> corpus frequency."""

    def __init__(self, vocab: Mapping[str, int], min_freq: int = 1):
        self.vocab = {w: f for w, f in vocab.items()
                      if f >= min_freq and len(w) >= MIN_PART and w not in _STOP and not w.isdigit()}
        self._split = lru_cache(maxsize=200_000)(self._split_uncached)

    def _freq(self, word: str) -> int:
        return self.vocab.get(word, 0)

    def _head(self, head: str) -> str | None:
        """The vocabulary word a first part stands for, allowing a linking s/e or a dropped final e."""
        if self._freq(head):
            return head
        if self._freq(head + "e"):
            return head + "e"
        if len(head) > MIN_PART and head[-1] in "se" and self._freq(head[:-1]):
            return head[:-1]
        return None

    def _tail(self, tail: str) -> str | None:
        for ending in TAIL_ENDINGS:
            if ending and not tail.endswith(ending):
                continue
            base = tail[: len(tail) - len(ending)] if ending else tail
            if tail in NOT_TAILS or base in NOT_TAILS:
                return None
            if len(base) >= MIN_PART and self._freq(base):
                return base
        return None

    def split(self, word: str) -> tuple[str, ...]:
        """Parts of `word` (at least two), or () when it is not a compound of known words."""
        word = word.lower()
        if len(word) < MIN_WORD or not word.isalpha():
            return ()
        best = self._split(word, 0)
        return best[1] if best and len(best[1]) >= 2 else ()

    def _split_uncached(self, word: str, depth: int):
        """(score, parts) for the best split of `word`, or None. Score favours few, frequent, long parts."""
        candidates = []
        if depth:
            tail = self._tail(word)
            if tail:
                candidates.append((self._score((tail,)), (tail,)))
        if depth < 3:
            for i in range(MIN_PART, len(word) - MIN_PART + 1):
                head = self._head(word[:i])
                if not head:
                    continue
                rest = self._split(word[i:], depth + 1)
                if rest:
                    parts = (head,) + rest[1]
                    candidates.append((self._score(parts), parts))
        return max(candidates) if candidates else None

    def _score(self, parts: tuple[str, ...]) -> float:
        # geometric-mean-like: long, frequent parts and few of them
        import math

        return sum(math.log(1 + self._freq(p)) + 0.5 * len(p) for p in parts) / len(parts) ** 1.5
