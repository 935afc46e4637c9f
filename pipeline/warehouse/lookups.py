"""Several small lookups asked in one statement.

DuckDB spends ~0.3-0.6 ms on a statement however little it reads (parsing, binding, planning, a pipeline per
operator), while a lookup that is one branch of a UNION ALL adds ~0.1-0.2 ms. A loader that has several small
questions before it writes asks them together; each branch's rows come back under its tag. (EXISTS subqueries
as columns of one SELECT are planned as joins and cost several times more than UNION ALL branches.)
"""
from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import duckdb


@dataclasses.dataclass(frozen=True)
class Lookup:
    """One question: a SELECT of `columns` columns (VARCHAR, or NULL) with `?` parameters, answered under `tag`."""

    tag: str
    sql: str
    params: tuple = ()
    columns: int = 1

    def __post_init__(self):
        if not self.tag.isidentifier():  # the tag is written into the statement
            raise ValueError(f"a lookup tag must be an identifier, not {self.tag!r}")


def run_lookups(con: duckdb.DuckDBPyConnection, lookups: Sequence[Lookup]) -> dict[str, list[tuple]]:
    """Every lookup's rows (as tuples of its own columns) by tag, from one statement; [] for a lookup without rows."""
    answers: dict[str, list[tuple]] = {lookup.tag: [] for lookup in lookups}
    if not lookups:
        return answers
    width = max(lookup.columns for lookup in lookups)
    sql = " UNION ALL ".join(f"(SELECT '{lookup.tag}', *{', NULL' * (width - lookup.columns)} FROM ({lookup.sql}))"
                             for lookup in lookups)
    columns = {lookup.tag: lookup.columns for lookup in lookups}
    for tag, *values in con.execute(sql, [value for lookup in lookups for value in lookup.params]).fetchall():
        answers[tag].append(tuple(values[:columns[tag]]))
    return answers
