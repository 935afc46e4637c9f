"""The lookups the query analysis makes against the stored vocabulary (`search_vocab`), in two forms with the
same answers:

- `SqlVocabulary` asks DuckDB (a one-shot `minutes search` process: nothing to load first);
- `MemoryVocabulary` answers from dictionaries read once per index version (a long-running server: a query is
  analysed in well under a millisecond instead of a dozen statements of a few milliseconds each).

A row is (wid, word, df, stem). Where the SQL orders by document frequency, ties go to the word's alphabetical
order in both, so the two forms agree exactly (a test compares them on every benchmark query).
"""
from __future__ import annotations

import bisect
import math


class Vocabulary:
    """What both forms share: the item count (for idf) and the Snowball stems (DuckDB's `stem()`)."""

    def __init__(self, con, n_items: int):
        self.con = con
        self.n_items = max(1, n_items or 1)

    def on(self, con) -> "Vocabulary":
        """The same vocabulary asking DuckDB through `con` (a reader thread's own cursor: a DuckDB connection
        must not run statements from two threads at once)."""
        import copy

        bound = copy.copy(self)
        bound.con = con
        return bound

    def idf(self, df: int) -> float:
        return math.log(1 + self.n_items / max(1, df))

    def stems(self, words: list[str]) -> dict[str, str]:
        from pipeline.search.inflections import stems

        return stems(self.con, words)


class SqlVocabulary(Vocabulary):
    """Each lookup is one small query on `search_vocab`."""

    def __init__(self, con):
        super().__init__(con, con.execute("SELECT items FROM search_meta").fetchone()[0])

    def _rows(self, where: str, params: list) -> list[tuple[int, str, int, str]]:
        return self.con.execute(f"SELECT wid, word, df, stem FROM search_vocab WHERE {where}", params).fetchall()

    def exact(self, word: str) -> list[tuple]:
        return self._rows("word = ?", [word])

    def lemma(self, word: str) -> str | None:
        row = self.con.execute("SELECT lemma FROM search_vocab WHERE word = ?", [word]).fetchone()
        return row[0] if row and row[0] else None

    def stems_of_lemma(self, lemma: str) -> set[str]:
        return {r[0] for r in self.con.execute("SELECT DISTINCT stem FROM search_vocab WHERE lemma = ?",
                                               [lemma]).fetchall()}

    def with_stems(self, stems: list[str], as_part: bool) -> list[tuple]:
        if as_part:
            return self._rows("stem IN (SELECT unnest(?::VARCHAR[])) OR list_has_any(parts, ?::VARCHAR[])",
                              [stems, stems])
        return self._rows("stem IN (SELECT unnest(?::VARCHAR[]))", [stems])

    def starting_with(self, prefixes: list[str]) -> list[tuple]:
        return self._rows(" OR ".join("starts_with(word, ?)" for _ in prefixes), prefixes)

    def known(self, words: list[str]) -> set[str]:
        return {r[0] for r in self.con.execute("SELECT word FROM search_vocab WHERE word IN (SELECT unnest(?::VARCHAR[]))",
                                               [words]).fetchall()}

    def lemmas(self, words: list[str]) -> dict[str, str | None]:
        return dict(self.con.execute("SELECT word, lemma FROM search_vocab WHERE word IN (SELECT unnest(?::VARCHAR[]))",
                                     [words]).fetchall())

    def most_frequent(self, words: list[str]) -> str | None:
        row = self.con.execute("SELECT word FROM search_vocab WHERE word IN (SELECT unnest(?::VARCHAR[])) "
                               "ORDER BY df DESC, word LIMIT 1", [words]).fetchone()
        return row[0] if row else None

    def same_skeleton(self, skeleton: str, word: str) -> str | None:
        row = self.con.execute("SELECT word FROM search_vocab WHERE skeleton = ? AND word <> ? "
                               "ORDER BY df DESC, word LIMIT 1", [skeleton, word]).fetchone()
        return row[0] if row else None

    def of_length(self, low: int, high: int) -> list[str]:
        return [r[0] for r in self.con.execute("SELECT word FROM search_vocab WHERE length(word) BETWEEN ? AND ? "
                                               "AND df > 0 ORDER BY df DESC, word", [low, high]).fetchall()]


class MemoryVocabulary(Vocabulary):
    """The whole vocabulary in dictionaries, read once per index version (0.3 s for the 21,000 words of the
    Greve year)."""

    def __init__(self, con):
        n_items = con.execute("SELECT items FROM search_meta").fetchone()[0]
        super().__init__(con, n_items)
        self.by_word: dict[str, tuple] = {}
        self.lemma_of: dict[str, str] = {}
        self.by_stem: dict[str, list[tuple]] = {}
        self.by_part: dict[str, list[tuple]] = {}
        self.lemma_stems: dict[str, set[str]] = {}
        skeleton_of: dict[str, str] = {}  # spelling keys, needed only to group words by them below
        for wid, word, df, stem, lemma, skeleton, parts in con.execute(
                "SELECT wid, word, df, stem, lemma, skeleton, parts FROM search_vocab").fetchall():
            row = (wid, word, df, stem)
            self.by_word[word] = row
            if lemma:
                self.lemma_of[word] = lemma
                self.lemma_stems.setdefault(lemma, set()).add(stem)
            skeleton_of[word] = skeleton
            self.by_stem.setdefault(stem, []).append(row)
            for part in set(parts or ()):
                self.by_part.setdefault(part, []).append(row)
        self.sorted_words = sorted(self.by_word)
        by_frequency = sorted(self.by_word, key=self._frequency_order)
        self.rank = {word: k for k, word in enumerate(by_frequency)}  # most frequent first, ties alphabetical
        self.by_skeleton: dict[str, list[str]] = {}
        for word in by_frequency:
            self.by_skeleton.setdefault(skeleton_of[word], []).append(word)
        self.by_length: dict[int, list[str]] = {}
        self._of_length: dict[tuple[int, int], list[str]] = {}
        for word in by_frequency:
            if self.by_word[word][2] > 0:
                self.by_length.setdefault(len(word), []).append(word)

    def _frequency_order(self, word: str) -> tuple[int, str]:
        return -self.by_word[word][2], word

    def stems(self, words: list[str]) -> dict[str, str]:
        """A corpus word's stored stem is this same function's result at index time: only new words ask DuckDB."""
        out = {w: self.by_word[w][3] for w in words if w in self.by_word}
        missing = [w for w in words if w not in out]
        return {**out, **super().stems(missing)} if missing else out

    def exact(self, word: str) -> list[tuple]:
        row = self.by_word.get(word)
        return [row] if row else []

    def lemma(self, word: str) -> str | None:
        return self.lemma_of.get(word)

    def stems_of_lemma(self, lemma: str) -> set[str]:
        return set(self.lemma_stems.get(lemma, ()))

    def with_stems(self, stems: list[str], as_part: bool) -> list[tuple]:
        rows = {row[0]: row for stem in stems for row in self.by_stem.get(stem, ())}
        if as_part:
            rows.update({row[0]: row for stem in stems for row in self.by_part.get(stem, ())})
        return list(rows.values())

    def starting_with(self, prefixes: list[str]) -> list[tuple]:
        rows = {}
        for prefix in prefixes:
            at = bisect.bisect_left(self.sorted_words, prefix)
            while at < len(self.sorted_words) and self.sorted_words[at].startswith(prefix):
                row = self.by_word[self.sorted_words[at]]
                rows[row[0]] = row
                at += 1
        return list(rows.values())

    def known(self, words: list[str]) -> set[str]:
        return {w for w in words if w in self.by_word}

    def lemmas(self, words: list[str]) -> dict[str, str | None]:
        return {w: self.lemma_of.get(w) for w in words if w in self.by_word}

    def most_frequent(self, words: list[str]) -> str | None:
        known = [w for w in words if w in self.by_word]
        return min(known, key=self.rank.__getitem__) if known else None

    def same_skeleton(self, skeleton: str, word: str) -> str | None:
        return next((w for w in self.by_skeleton.get(skeleton, ()) if w != word), None)

    def of_length(self, low: int, high: int) -> list[str]:
        key = (low, high)
        if key not in self._of_length:  # a few dozen length ranges: each sorted once
            words = [w for n in range(low, high + 1) for w in self.by_length.get(n, ())]
            self._of_length[key] = sorted(words, key=self.rank.__getitem__)  # merges five sorted runs
        return self._of_length[key]
