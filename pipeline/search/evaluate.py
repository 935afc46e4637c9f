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
