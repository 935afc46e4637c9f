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


def lemma(word: str) -> str:
    return lemma_table().get(word, word)


def ensure_fts(con) -> None:
    """Make DuckDB's `stem()` available on this connection."""
    loaded = con.execute("SELECT loaded FROM duckdb_extensions() WHERE extension_name = 'fts'").fetchone()
    if not (loaded and loaded[0]):
        from pipeline.warehouse.db import load_fts

        load_fts(con)


def stems(con, words: list[str]) -> dict[str, str]:
    """Snowball (danish) stem of each word, computed by DuckDB's FTS extension (the index uses the same)."""
    if not words:
        return {}
    ensure_fts(con)
    rows = con.execute("SELECT w, stem(w, 'danish') FROM (SELECT unnest(?::VARCHAR[]) AS w)", [list(words)]).fetchall()
    return dict(rows)
