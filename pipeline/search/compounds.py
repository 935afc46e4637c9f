"""Compound splitting against a vocabulary learned from the corpus itself.

Danish writes compounds as one word ("frivilligfest", "pårørendepolitikken"). A word is split into
parts that are themselves corpus words, allowing the linking letters s/e between parts
("anlæg-s-bevilling") and an inflected last part ("fest-en"). The parts go into the index's
normalised column and into the query, so "frivilligfest" also finds "fest for de frivillige".
"""
from __future__ import annotations

from functools import lru_cache
from typing import Iterable, Mapping

from pipeline.search.text import STOPWORDS

MIN_PART = 4
# Derivational endings that are words on their own but never a compound's last part.
NOT_TAILS = frozenset({"else", "elsen", "elser", "ingen", "inger", "ning", "ningen", "heden", "ende", "ende",
                       "erne", "ene", "ighed", "isk", "iske", "sk"})
MIN_WORD = 7
LEXICON_PART = 5
# Endings an inflected last part may carry beyond a vocabulary word ("festen" -> "fest").
TAIL_ENDINGS = ("", "en", "et", "er", "erne", "ene", "e", "s", "ens", "ets", "ernes", "ne", "n", "r", "t")
_STOP = frozenset(STOPWORDS)
# Danish Snowball suffixes (step 1 and 3) that a stem may carry.
STEM_SUFFIXES = frozenset("""
hed ethed ered e erede ende erende ene erne ere en heden eren er heder erer heds es endes erendes enes ernes
eres ens hedens erens ers ets erets et eret s t lig elig ig els else elsen elser elses løst
""".split()) | {""}


INFLECTED = ("e", "en", "et", "er", "ne", "erne", "ene", "ens", "ets", "s", "n", "r")
DOUBLED_ENDINGS = ("e", "en", "er", "erne")  # inflections after a doubled final consonant ("kat" -> "katten")


@lru_cache(maxsize=2)
def _lexicon_parts(lexicon: frozenset[str]) -> dict[str, int]:
    """The lexicon words that may be a compound's part, each with frequency 1. Cached: an index build makes a
    splitter per batch of items, and filtering the 80,000 words of the lemma table costs 0.07 s each time."""
    return dict.fromkeys((w for w in lexicon if len(w) >= LEXICON_PART and w.isalpha() and w not in _STOP), 1)


class CompoundSplitter:
    """Splits words into known corpus words. `vocab` maps word -> corpus frequency."""

    def __init__(self, vocab: Mapping[str, int], min_freq: int = 1, stems: Iterable[str] = (),
                 lexicon: Iterable[str] = ()):
        self.vocab = {w: f for w, f in vocab.items()
                      if f >= min_freq and len(w) >= MIN_PART and w not in _STOP and not w.isdigit()}
        # Snowball stems of the corpus words: a part whose stem is a corpus stem counts as known
        # ("nedsættelse" via "nedsættes", both stem "nedsæt").
        self.stems = {s for s in stems if len(s) >= MIN_PART and s not in _STOP}
        # Optional general Danish word list (spaCy's lemma table) for parts a small corpus never shows
        # alone ("regulativ" in "vandløbsregulativ"); such parts must be at least LEXICON_PART long.
        lexicon_parts = _lexicon_parts(lexicon if isinstance(lexicon, frozenset) else frozenset(lexicon))
        # a word's frequency: its corpus frequency, else 1 for a lexicon word, else 0 -- one dict, because the
        # split asks it about two million times for a year of one municipality's minutes
        known = dict(lexicon_parts)
        known.update((w, f) for w, f in self.vocab.items() if f)
        self._known = known
        self._freq = known.get  # _freq(word) -> frequency or None (falsy: unknown)
        self._split = lru_cache(maxsize=200_000)(self._split_uncached)

    def _any_known(self, base: str, endings: tuple[str, ...]) -> bool:
        """Is `base` + one of `endings` a known word?"""
        known = self._known
        for ending in endings:
            if base + ending in known:
                return True
        return False

    def _head(self, head: str) -> str | None:
        """The vocabulary word a first part stands for, allowing a linking s/e or a dropped final e."""
        if self._freq(head):
            return head
        if self._freq(head + "e"):
            return head + "e"
        if self._any_known(head, INFLECTED[1:]):
            return head
        if len(head) > MIN_PART and head[-1] in "se" and self._freq(head[:-1]):
            return head[:-1]
        return None

    def _tail(self, tail: str) -> str | None:
        if tail in NOT_TAILS:
            return None
        # the bare part only occurs inflected in the corpus ("regulativ" seen as "regulativet")
        if len(tail) >= MIN_PART and (self._any_known(tail, INFLECTED)
                                      or self._any_known(tail + tail[-1], DOUBLED_ENDINGS)):
            return tail
        if self._stem_known(tail):
            return tail
        for ending in TAIL_ENDINGS:
            if ending and not tail.endswith(ending):
                continue
            base = tail[: len(tail) - len(ending)] if ending else tail
            if tail in NOT_TAILS or base in NOT_TAILS:
                return None
            if len(base) >= MIN_PART and self._freq(base):
                return base
        return None

    def _stem_known(self, part: str) -> bool:
        """Does `part` look like a corpus stem plus a Snowball suffix (or a doubled consonant and one)?"""
        if not self.stems:
            return False
        for cut in range(len(part), MIN_PART - 1, -1):
            stem, rest = part[:cut], part[cut:]
            if stem not in self.stems:
                continue
            if rest in STEM_SUFFIXES or (rest[:1] == stem[-1:] and rest[1:] in STEM_SUFFIXES):
                return True
        return False

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

        return sum(math.log(1 + (self._freq(p) or 0)) + 0.5 * len(p) for p in parts) / len(parts) ** 1.5
