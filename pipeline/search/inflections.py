"""Inflections: Snowball stems (DuckDB FTS `stem(word, 'danish')`) and spaCy lookup lemmas.

"godkendte" -> lemma "godkende"; every corpus word with that lemma (godkendt, godkendes, ...) joins the
query, and their stems ("godkend") also match "godkendelse".
"""
from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=1)
def lemma_table():
    """spaCy's Danish lookup lemma table (a spaCy `Table`: `.get(word)` hashes the string), or None."""
    try:
        from pipeline.parse.nlp import load_pipeline

        nlp = load_pipeline()
        return nlp.get_pipe("lemmatizer").lookups.get_table("lemma_lookup")
    except Exception:  # pragma: no cover - search still works on stems alone
        return None


@lru_cache(maxsize=1)
def lexicon() -> frozenset[str]:
    """Danish base forms (the lemma table's values): a general word list for compound splitting."""
    table = lemma_table()
    return frozenset(v for v in table.values() if isinstance(v, str)) if table is not None else frozenset()


def lemma(word: str) -> str:
    table = lemma_table()
    return table.get(word, word) if table else word


def stems(con, words: list[str], vocab) -> dict[str, str]:
    """Snowball stem for each word: from the vocabulary when known, else via the FTS extension."""
    out = {w: vocab.stem[w] for w in words if w in vocab.stem}
    missing = [w for w in words if w not in out]
    if missing:
        _ensure_fts(con)
        rows = con.execute("SELECT w, stem(w, 'danish') FROM (SELECT unnest(?::VARCHAR[]) AS w)", [missing]).fetchall()
        out.update(dict(rows))
    return out


def _ensure_fts(con) -> None:
    try:
        con.execute("SELECT stem('test', 'danish')")
    except Exception:
        from pipeline.warehouse.db import load_fts

        load_fts(con)


def inflection_variants(word: str, vocab) -> dict[str, float]:
    """Corpus words sharing the word's lemma (weight 0.9), the lemma itself included."""
    lem = lemma(word)
    out: dict[str, float] = {}
    for candidate in {lem, vocab.lemma_of.get(word, lem)}:
        if candidate != word:
            out[candidate] = 0.9
        for other in vocab.by_lemma.get(candidate, ()):
            if other != word:
                out[other] = 0.9
    return out
