"""Lemmas for the index: the Danish lookup lemma table of spacy-lookups-data (the same table the spaCy
pipeline in models/minutes_da uses), read straight from its JSON file.

Only the index build needs it: every vocabulary word's lemma is stored in `search_vocab`, so a query never
loads this table ("godkendte" -> lemma "godkende" -> every corpus word with that lemma).
"""
from __future__ import annotations

import gzip
import json
from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=1)
def lemma_table() -> dict[str, str]:
    """word -> lemma (lower case), or {} when the lookups package is missing (stems still work)."""
    try:
        import spacy_lookups_data

        path = Path(spacy_lookups_data.__file__).parent / "data" / "da_lemma_lookup.json.gz"
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            return json.load(fh)
    except Exception:  # pragma: no cover - search still works on stems alone
        return {}


@lru_cache(maxsize=1)
def lexicon() -> frozenset[str]:
    """Danish base forms (the lemma table's values): a general word list for compound splitting."""
    return frozenset(v for v in lemma_table().values() if isinstance(v, str))


def ensure_fts(con) -> None:
    """Make DuckDB's `stem()` available on this connection."""
    loaded = con.execute("SELECT loaded FROM duckdb_extensions() WHERE extension_name = 'fts'").fetchone()
    if not (loaded and loaded[0]):
        from pipeline.warehouse.db import load_fts

        load_fts(con)


# Snowball also strips derivational suffixes (tryg-hed, godkend-else, fremtid-ig); a word that carries one is
# another word than its stem ("tryghed" is not a form of "tryg"), so the suffix stays part of the key.
DERIVATIONAL = ("hed", "elig", "lig", "els", "ig")


def inflection_key(word: str, stem: str) -> str:
    """The Snowball stem, plus the derivational suffix the stemmer removed, if any ("tryghed" -> "tryg+hed",
    "trygt" -> "tryg"): two words with the same key are inflected forms of one word."""
    rest = word[len(stem):] if word.startswith(stem) else ""
    for suffix in DERIVATIONAL:
        if rest.startswith(suffix):
            return f"{stem}+{suffix}"
    return stem


def stems(con, words: list[str]) -> dict[str, str]:
    """Inflection key of each word (Snowball 'danish' stem computed by DuckDB's FTS extension, see
    `inflection_key`); the index and the query side use the same function."""
    if not words:
        return {}
    ensure_fts(con)
    rows = con.execute("SELECT w, stem(w, 'danish') FROM (SELECT unnest(?::VARCHAR[]) AS w)", [list(words)]).fetchall()
    return {w: inflection_key(w, st) for w, st in rows}
