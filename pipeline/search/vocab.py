"""The index vocabulary in memory: surface words, stems, lemmas, spelling keys, term ids and idf.

Loaded once per index build (keyed by the database file and `search_meta.built_at`).
"""
from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass, field

from pipeline.search.compounds import CompoundSplitter

_CACHE: dict[tuple, "Vocabulary"] = {}
_LOCK = threading.Lock()


@dataclass
class Vocabulary:
    freq: dict[str, int]                       # surface word -> corpus frequency
    stem: dict[str, str]                       # surface word -> Snowball stem
    parts: dict[str, tuple[str, ...]]          # surface word -> compound parts
    by_skeleton: dict[str, list[str]]          # spelling key -> surface words
    terms: dict[str, tuple[int, float]]        # index term (stem) -> (termid, idf)
    df_by_id: dict[int, tuple[int, int]] = field(default_factory=dict)  # termid -> (termid, document frequency)
    lemma_of: dict[str, str] = field(default_factory=dict)
    by_lemma: dict[str, list[str]] = field(default_factory=dict)
    splitter: CompoundSplitter | None = None
    typo_choices: list[str] = field(default_factory=list)

    def known(self, word: str) -> bool:
        return word in self.freq


def _db_key(con) -> tuple:
    path = con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchone()[0]
    built = con.execute("SELECT built_at FROM search_meta").fetchone()[0]
    return (path, built)


def get_vocabulary(con) -> Vocabulary:
    key = _db_key(con)
    with _LOCK:
        vocab = _CACHE.get(key)
        if vocab is None:
            vocab = _load(con)
            _CACHE.clear()  # one warehouse at a time is the normal case; keep memory bounded
            _CACHE[key] = vocab
        return vocab


def _load(con) -> Vocabulary:
    from pipeline.search.inflections import lemma_table, lexicon
    from pipeline.search.text import STOPWORDS

    freq, stem, parts, by_skeleton = {}, {}, {}, defaultdict(list)
    for word, f, st, skel, p in con.execute("SELECT word, freq, stem, skeleton, parts FROM search_vocab").fetchall():
        freq[word] = f
        stem[word] = st
        if p:
            parts[word] = tuple(p)
        by_skeleton[skel].append(word)
    terms, df_by_id = {}, {}
    for tid, t, idf, df in con.execute("SELECT termid, term, idf, df FROM search_terms").fetchall():
        terms[t] = (tid, idf)
        df_by_id[tid] = (tid, df)
    table = lemma_table()
    lemma_of, by_lemma = {}, defaultdict(list)
    for word in freq:
        lem = table.get(word, word) if table is not None else word
        lemma_of[word] = lem
        by_lemma[lem].append(word)
    stop = set(STOPWORDS)
    choices = [w for w in freq if len(w) >= 4 and w.isalpha() and w not in stop]
    return Vocabulary(df_by_id=df_by_id, freq=freq, stem=stem, parts=parts, by_skeleton=dict(by_skeleton), terms=terms,
                      lemma_of=lemma_of, by_lemma=dict(by_lemma), splitter=CompoundSplitter(freq, stems=set(stem.values()), lexicon=lexicon()),
                      typo_choices=choices)
