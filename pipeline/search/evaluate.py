"""Recall@k and MRR of the search over a judged query set (used by the tests and the benchmark)."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from pipeline.search.engine import search


@dataclass
class QueryScore:
    query: str
    kind: str
    recall: float
    reciprocal_rank: float


def load_queries(path: Path | str) -> list[dict]:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def evaluate(con, queries: list[dict], mode: str = "danish", k: int = 10) -> list[QueryScore]:
    scores = []
    for q in queries:
        relevant = {(r["source_file"], r["number"]) for r in q["relevant"]}
        hits = search(con, q["query"], limit=k, mode=mode, snippets=False).hits
        ranked = [(h.source_file, h.number) for h in hits]
        found = relevant & set(ranked)
        first = next((i for i, key in enumerate(ranked, 1) if key in relevant), None)
        scores.append(QueryScore(q["query"], q.get("kind", ""), len(found) / len(relevant), 1 / first if first else 0.0))
    return scores


def summary(scores: list[QueryScore]) -> tuple[float, float]:
    """(mean recall@k, MRR)."""
    n = max(1, len(scores))
    return sum(s.recall for s in scores) / n, sum(s.reciprocal_rank for s in scores) / n


# -- result-set evaluation: precision/recall of the whole hit set against rules written per query ----------
@dataclass
class SetScore:
    query: str
    kind: str
    relevant: int
    returned: int
    correct: int
    top20_correct: int
    top20: int

    @property
    def precision(self) -> float | None:
        return self.correct / self.returned if self.returned else None

    @property
    def recall(self) -> float | None:
        return self.correct / self.relevant if self.relevant else None

    @property
    def top20_precision(self) -> float | None:
        return self.top20_correct / self.top20 if self.top20 else None


def item_texts(con) -> dict[str, tuple[str, str | None]]:
    """item_id -> (title + every section's text, whitespace-normalised; case number) from the warehouse tables."""
    rows = con.execute("""
        SELECT i.item_id, i.title || ' ' || coalesce(string_agg(s.text, ' ' ORDER BY s.position), ''), i.case_number
        FROM agenda_items i LEFT JOIN item_sections s USING (item_id)
        GROUP BY i.item_id, i.title, i.case_number""").fetchall()
    return {item_id: (" ".join(text.split()), case) for item_id, text, case in rows}


def relevant_items(query: dict, texts: dict[str, tuple[str, str | None]]) -> set[str]:
    """Items the query's written rule calls relevant: every regex of `mentions` found in the item's text
    (case-insensitive), or the item's case number equal to `case_number` (letters and digits compared)."""
    import re

    if "case_number" in query:
        from pipeline.search.index import case_key

        key = case_key(query["case_number"])
        return {i for i, (_, case) in texts.items() if case_key(case) == key}
    patterns = [re.compile(p, re.IGNORECASE) for p in query.get("mentions", [])]
    if not patterns:
        return set()
    return {i for i, (text, _) in texts.items() if all(p.search(text) for p in patterns)}


def all_hits(con, query: str, sort: str = "relevance", limit: int | None = None) -> list[str]:
    """Item ids of the whole hit set (or the first `limit`) in the given order."""
    out, offset = [], 0
    while True:
        page = min(1000, limit - len(out)) if limit else 1000
        result = search(con, query, limit=page, offset=offset, sort=sort, snippets=False, facets=False)
        out += [h.item_id for h in result.hits]
        offset += len(result.hits)
        if not result.hits or offset >= result.total or (limit and len(out) >= limit):
            return out


def evaluate_sets(con, queries: list[dict]) -> list[SetScore]:
    texts = item_texts(con)
    scores = []
    for q in queries:
        relevant = relevant_items(q, texts)
        found = set(all_hits(con, q["query"]))
        top = all_hits(con, q["query"], sort="date", limit=20)
        scores.append(SetScore(q["query"], q.get("kind", ""), len(relevant), len(found), len(found & relevant),
                               sum(i in relevant for i in top), len(top)))
    return scores


def set_summary(scores: list[SetScore]) -> dict[str, float]:
    """Macro averages over the queries where each measure is defined (precision: some hits; recall: some
    relevant items), plus the number of queries with no hits although items were relevant and vice versa."""
    def mean(values):
        values = [v for v in values if v is not None]
        return sum(values) / len(values) if values else 1.0

    return {"precision": mean(s.precision for s in scores), "recall": mean(s.recall for s in scores),
            "top20_precision": mean(s.top20_precision for s in scores),
            "queries": len(scores)}
