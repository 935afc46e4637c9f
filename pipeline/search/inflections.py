"""Lemmas for the index: the Danish lookup lemma table of spacy-lookups-data (the same table the spaCy
pipeline in models/minutes_da uses).

Only the index build needs it: every vocabulary word's lemma is stored in `search_vocab`, so a query never
loads this table ("godkendte" -> lemma "godkende" -> every corpus word with that lemma).

The package ships the table as gzipped JSON: 553,000 entries, whose decoding into a dict took 0.5 s and the
set of base forms another 0.3 s -- most of what indexing a small batch of new documents cost. The index only
looks up its vocabulary's words, so the table is kept as two sorted lists (words whose lemma differs, and
their lemmas) searched by bisection, written once per machine as a plain text cache keyed by the source
file's hash and read back in 0.1 s. A cache that is missing, unreadable, unwritable or damaged only costs
that time: the table is then decoded from the package's JSON again.
"""
from __future__ import annotations

import gzip
import hashlib
import json
import os
from bisect import bisect_left
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from pipeline.atomic import write_atomically

CACHE_FORMAT = "minutes-lemma-table 1"


@dataclass(frozen=True)
class LemmaTable:
    """word -> lemma for lower- and mixed-case Danish word forms; base_forms is the set of all lemmas."""

    words: list[str]  # sorted; only the words whose lemma is another word
    lemmas: list[str]  # lemmas[k] is the lemma of words[k]
    base_forms: frozenset[str]

    def lemma(self, word: str) -> str:
        """The word's lemma, or the word itself when the table does not know it."""
        at = bisect_left(self.words, word)
        return self.lemmas[at] if at < len(self.words) and self.words[at] == word else word

    def to_text(self) -> str:
        """The cache form: a header, then the words, the lemmas and the base forms, one per line."""
        return "\n".join([f"{CACHE_FORMAT} {len(self.words)} {len(self.base_forms)}", *self.words, *self.lemmas,
                          *sorted(self.base_forms)])

    @classmethod
    def from_text(cls, text: str) -> "LemmaTable | None":
        """The table written by to_text, or None when the text is not a whole cache of this format."""
        lines = text.split("\n")
        head = lines[0].rsplit(" ", 2)
        if len(head) != 3 or head[0] != CACHE_FORMAT or not (head[1].isdigit() and head[2].isdigit()):
            return None
        count, forms = int(head[1]), int(head[2])
        if len(lines) != 1 + 2 * count + forms:
            return None
        return cls(lines[1:1 + count], lines[1 + count:1 + 2 * count], frozenset(lines[1 + 2 * count:]))

    @classmethod
    def from_mapping(cls, table: dict) -> "LemmaTable":
        """From the package's word -> lemma mapping (entries that are not one-line text are left out)."""
        pairs = sorted((word, lemma) for word, lemma in table.items()
                       if isinstance(word, str) and isinstance(lemma, str) and "\n" not in word + lemma)
        forms = frozenset(lemma for _, lemma in pairs)
        changed = [(word, lemma) for word, lemma in pairs if word != lemma]
        return cls([w for w, _ in changed], [lemma for _, lemma in changed], forms)


EMPTY = LemmaTable([], [], frozenset())


def _source() -> Path | None:
    try:
        import spacy_lookups_data
    except ImportError:  # pragma: no cover - search still works on stems alone
        return None
    path = Path(spacy_lookups_data.__file__).parent / "data" / "da_lemma_lookup.json.gz"
    return path if path.is_file() else None


def cache_dir() -> Path:
    """Where derived data is cached: $MINUTES_CACHE_DIR, else $XDG_CACHE_HOME/minutes, else ~/.cache/minutes."""
    if os.environ.get("MINUTES_CACHE_DIR"):
        return Path(os.environ["MINUTES_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "minutes"


def _read_cache(path: Path) -> LemmaTable | None:
    try:
        return LemmaTable.from_text(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        return None


def _write_cache(path: Path, table: LemmaTable) -> None:
    """Best effort, whole or not at all (a reader sees a whole cache or none); failures are ignored."""
    try:
        write_atomically(path, table.to_text().encode("utf-8"))
    except OSError:
        pass


@lru_cache(maxsize=1)
def lemma_table() -> LemmaTable:
    """The Danish lemma table (EMPTY when the lookups package is missing: stems still work)."""
    source = _source()
    if source is None:
        return EMPTY
    try:
        raw = source.read_bytes()
    except OSError:  # pragma: no cover
        return EMPTY
    cached = cache_dir() / f"da_lemma-{hashlib.sha256(raw).hexdigest()[:16]}.txt"
    table = _read_cache(cached)
    if table is None:
        table = LemmaTable.from_mapping(json.loads(gzip.decompress(raw)))
        _write_cache(cached, table)
    return table


def lexicon() -> frozenset[str]:
    """Danish base forms (the lemma table's values): a general word list for compound splitting."""
    return lemma_table().base_forms


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
    from pipeline.warehouse.bulk import text_array

    ensure_fts(con)
    array, argument = text_array(words)
    rows = con.execute(f"SELECT w, stem(w, 'danish') FROM (SELECT unnest({array}) AS w)", [argument]).fetchall()
    return {w: inflection_key(w, st) for w, st in rows}
