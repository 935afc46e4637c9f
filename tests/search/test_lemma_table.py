"""The lemma table the index build uses: the cached compact form gives exactly the package's lemmas, and a
damaged, missing or unwritable cache only costs time."""
from __future__ import annotations

import gzip
import json
import os

import pytest

from pipeline.search import inflections
from pipeline.search.inflections import LemmaTable


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("MINUTES_CACHE_DIR", str(tmp_path / "cache"))
    inflections.lemma_table.cache_clear()
    yield tmp_path / "cache"
    inflections.lemma_table.cache_clear()


def _package_table() -> dict[str, str]:
    return json.loads(gzip.decompress(inflections._source().read_bytes()))


def test_cached_table_gives_the_package_lemmas(cache):
    package = _package_table()
    built = inflections.lemma_table()  # decoded from the package's JSON, cache written
    files = list(cache.glob("da_lemma-*.txt"))
    assert len(files) == 1
    inflections.lemma_table.cache_clear()
    cached = inflections.lemma_table()  # read back from the cache
    assert cached == built
    assert all(cached.lemma(word) == lemma for word, lemma in package.items())
    assert cached.base_forms == frozenset(package.values()) == inflections.lexicon()
    assert cached.lemma("godkendte") == "godkende"
    assert cached.lemma("kommunalbestyrelsesmødeordbogsord") == "kommunalbestyrelsesmødeordbogsord"  # unknown: itself
    assert cached.lemma("") == ""


@pytest.mark.parametrize("damage", ["truncate", "header", "garbage"])
def test_damaged_cache_is_rebuilt(cache, damage):
    good = inflections.lemma_table()
    path = next(cache.glob("da_lemma-*.txt"))
    text = path.read_text(encoding="utf-8")
    if damage == "truncate":
        path.write_text(text[: len(text) // 2], encoding="utf-8")
    elif damage == "header":
        path.write_text("minutes-lemma-table 1 5 x\n" + text.split("\n", 1)[1], encoding="utf-8")
    else:
        path.write_bytes(b"\xff\xfe not a cache \x00")
    inflections.lemma_table.cache_clear()
    assert inflections.lemma_table() == good
    assert path.read_text(encoding="utf-8") == text  # written again whole


def test_unwritable_cache_dir_still_gives_the_table(tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder would go")
    monkeypatch.setenv("MINUTES_CACHE_DIR", str(blocker / "cache"))
    inflections.lemma_table.cache_clear()
    try:
        table = inflections.lemma_table()
        assert table.lemma("godkendte") == "godkende"
        assert not (blocker / "cache").exists() and os.listdir(tmp_path) == ["not-a-folder"]
    finally:
        inflections.lemma_table.cache_clear()


def test_text_form_round_trip_keeps_unusual_words():
    table = LemmaTable.from_mapping({"Æbler": "æble", "b": "b", "a'b\\c": "x y", "tab\tbed": "tab", "bad\nline": "x"})
    assert table.words == ["a'b\\c", "tab\tbed", "Æbler"]  # identity entries and multi-line text left out
    again = LemmaTable.from_text(table.to_text())
    assert again == table and again.lemma("Æbler") == "æble" and again.lemma("b") == "b"
    assert LemmaTable.from_text(table.to_text() + "\nextra") is None
