"""Tokenising and spelling folding shared by the index and the query side (one place, so both agree)."""
from __future__ import annotations

import re

# Characters that make up a word; everything else separates words. Must match IGNORE_PATTERN below.
WORD_RE = re.compile(r"[a-z0-9æøåäöüéè]+")
# DuckDB FTS ignore pattern: keeps a-z, digits and the Danish letters (the default drops æ/ø/å).
IGNORE_PATTERN = r"(\.|[^a-z0-9æøåäöüéè])+"

# Danish stop words (Snowball's list, lower case). Kept short on purpose: words such as "ikke" or
# "mod" stay out of queries, nouns never appear here.
STOPWORDS = sorted(set("""
og i jeg det at en den til er som på de med han af for ikke der var mig sig men et har om vi min
havde ham hun nu over da fra du ud sin dem os op man hans hvor eller hvad skal selv her alle vil blev
kunne ind når være dog noget ville jo deres efter ned skulle denne end dette mit også under have dig
anden hende mine alt meget sit sine vor mod disse hvis din nogle hos blive mange ad bliver hendes
været thi jer sådan
""".split()))


def tokens(text: str) -> list[str]:
    """Lower-cased word tokens, the way the FTS index sees them."""
    return WORD_RE.findall(text.lower())


_FOLDS = (("aa", "a"), ("å", "a"), ("oe", "o"), ("ø", "o"), ("ae", "a"), ("æ", "a"),
          ("ü", "y"), ("ä", "a"), ("ö", "o"), ("é", "e"), ("è", "e"))


def skeleton(word: str) -> str:
    """Spelling-independent key: aa/å, oe/ø, ae/æ (and plain o/a typed for ø/å) collapse together.

    "paarorende", "paaroerende" and "pårørende" all give "parorende".
    """
    w = word.lower()
    for a, b in _FOLDS:
        w = w.replace(a, b)
    return w

