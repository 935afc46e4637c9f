"""The Danish lexicon as pattern files: round trip, clear errors, and rules that read it."""
from __future__ import annotations

import pytest

from pipeline.parse.case_numbers import labelled_case_number
from pipeline.parse.metadata import _committee_from
from pipeline.parse.patterns import TABLES, Lexicon


def test_round_trip_writes_the_same_bytes(tmp_path):
    seed = Lexicon.seed()
    seed.to_disk(tmp_path / "a")
    Lexicon.from_disk(tmp_path / "a").to_disk(tmp_path / "b")
    for name in TABLES:
        assert (tmp_path / "a" / f"{name}.jsonl").read_bytes() == (tmp_path / "b" / f"{name}.jsonl").read_bytes()
    assert all(seed.tables[name] for name in TABLES)


def test_a_broken_pattern_line_names_file_and_line(tmp_path):
    Lexicon.seed().to_disk(tmp_path)
    with (tmp_path / "headings.jsonl").open("a", encoding="utf-8") as handle:
        handle.write('{"label": "decision"}\n')
    with pytest.raises(ValueError, match=r"headings.jsonl:\d+"):
        Lexicon.from_disk(tmp_path)


def test_committee_name_never_carries_a_following_word():
    # the boxed page header of the seed referat prints the committee on the line of a date or "Møde"
    assert _committee_from("Udvalget for Social Omsorg Møde 6. september 2021") == "Udvalget for Social Omsorg"
    assert _committee_from("Teknik- og Miljøudvalget Referat") == "Teknik- og Miljøudvalget"


def test_case_labels_come_from_the_table():
    seed = Lexicon.seed()
    assert labelled_case_number("J.nr.: 21/1234", seed).printed == "21/1234"
    without = seed.without("case_labels", "case", "j. nr")
    assert labelled_case_number("J.nr.: 21/1234", without) is None
    assert labelled_case_number("Dok.nr.: 2012-202935", seed) is None  # a document number, not the case's


def test_heading_kind_is_fuzzy_over_the_table():
    seed = Lexicon.seed()
    assert seed.heading_kind("Sagsfremstiling")[0] == "body"  # a typo still counts
    assert seed.without("headings", "body", "sagsfremstilling").heading_kind("Sagsfremstilling") != ("body", 100.0)
