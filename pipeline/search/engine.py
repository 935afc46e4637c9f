"""The search API shared by `minutes search` and `minutes serve`.

    result = search(con, "lokalplan", Filters(committee="Plan"), limit=10, sort="date")
    result.total            # exact: the number of items that match every query term
    result.facets           # {"committee": [(name, n), ...], "year": [...], "outcome": [...]}
    result.hits[0].snippet_page   # the PDF page the snippet comes from

The hit set is decided by the query plan (see `query.py`); scores only order it. Ranking: per term the best
matching word (weight x idf x impact, title and decision weigh more), summed over the terms. A long-running
reader that read the index into memory (`resident.load`, as `minutes serve` does) gets the same answers from
numpy arrays; everyone else gets them from SQL.
"""
from __future__ import annotations

import datetime as dt
import sys
import threading
from dataclasses import asdict, dataclass, field

from pipeline.search.query import QueryError, QueryPlan, Term, analyse
from pipeline.search.snippets import best_snippet, render_html, render_plain

CASE_SCORE = 25.0
SORTS = ("relevance", "date", "date_asc")
FACETS = ("committee", "year", "outcome")
MAX_LIMIT, MAX_OFFSET = 1000, 100_000

__all__ = ["Filters", "SearchHit", "SearchResult", "search", "item_detail", "QueryError", "SORTS", "FACETS"]


@dataclass
class Filters:
    municipality: str | None = None      # case-insensitive substring
    committee: str | None = None         # case-insensitive substring
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    case_prefix: str | None = None       # '27.00' finds the KLE group, '2022-' a year of Copenhagen cases
    outcome: str | None = None           # approved | rejected | noted | ...
    document_type: str | None = None     # referat | dagsorden
    year: int | None = None

    def any(self) -> bool:
        """Whether any filter is set."""
        return any(value is not None for value in vars(self).values())

    def sql(self) -> tuple[str, list]:
        clauses, params = [], []
        if self.municipality:
            clauses.append("contains(lower(si.municipality), lower(?))")
            params.append(self.municipality)
        if self.committee:
            clauses.append("contains(lower(si.committee), lower(?))")
            params.append(self.committee)
        if self.date_from:
            clauses.append("si.meeting_date >= ?")
            params.append(self.date_from)
        if self.date_to:
            clauses.append("si.meeting_date <= ?")
            params.append(self.date_to)
        if self.case_prefix:
            clauses.append("starts_with(si.case_number, ?)")
            params.append(self.case_prefix)
        if self.outcome:
            clauses.append("si.outcome = ?")
            params.append(self.outcome)
        if self.document_type:
            clauses.append("si.document_type = ?")
            params.append(self.document_type)
        if self.year:
            clauses.append("si.year = ?")
            params.append(int(self.year))
        return (" AND ".join(clauses) or "TRUE"), params


@dataclass
class SearchHit:
    item_id: str
    source_file: str
    number: int | None
    title: str
    municipality: str | None
    committee: str | None
    meeting_date: dt.date | None
    document_type: str | None
    outcome: str | None
    case_number: str | None
    first_page: int | None
    doc_id: str
    score: float
    snippet: str = ""
    snippet_page: int | None = None
    snippet_segments: list = field(default_factory=list, repr=False)

    def to_dict(self) -> dict:
        d = asdict(self)
        d.pop("snippet_segments")
        d["meeting_date"] = self.meeting_date.isoformat() if self.meeting_date else None
        d["score"] = round(self.score, 4)
        return d

    @property
    def snippet_html(self) -> str:
        return render_html(self.snippet_segments)

    @property
    def cited_page(self) -> int:
        return int(self.snippet_page or self.first_page or 1)


@dataclass
class SearchResult:
    hits: list[SearchHit]
    total: int
    corrected_query: str | None = None
    suggestion: str | None = None                 # "did you mean" when a word matches nothing
    also_searched: list[str] = field(default_factory=list)
    facets: dict[str, list[tuple]] = field(default_factory=dict)
    plan: QueryPlan | None = field(default=None, repr=False)
    total_is_exact: bool = True                   # always exact; kept for API compatibility


HIT_COLUMNS = ("si.item_id, si.source_file, si.number, si.title, si.municipality, si.committee, si.meeting_date, "
               "si.document_type, si.outcome, si.case_number, si.first_page, si.doc_id, si.sid")


def _term_sql(term: Term) -> tuple[str, list]:
    """SQL (sid, s) of the items one term matches."""
    if term.kind == "case":
        typed = term.case.lower()
        from pipeline.search.index import case_key

        return ("SELECT sid, ?::FLOAT AS s FROM search_items WHERE case_key = ? OR (starts_with(lower(case_number), ?) "
                "AND NOT regexp_matches(substr(case_number, ?, 1), '[0-9A-Za-z]'))",
                [CASE_SCORE, case_key(typed), typed, len(typed) + 1])
    # the ids are integers from our own vocabulary table (int() cast), never user text; IN (...) lets DuckDB
    # skip the row groups of search_postings that hold other words
    wids = sorted(term.weights)
    in_list = ", ".join(str(int(w)) for w in wids)
    return (f"""SELECT p.sid, max(p.impact * q.w) AS s FROM search_postings p
                JOIN (SELECT unnest(?::INTEGER[]) AS wid, unnest(?::FLOAT[]) AS w) q USING (wid)
                WHERE p.wid IN ({in_list}) GROUP BY p.sid""",
            [wids, [term.weights[w] for w in wids]])


def phrase_pattern(phrase: str) -> str:
    """A case-insensitive RE2 pattern for the phrase with any whitespace between its words (escaped: the
    phrase is user text; RE2 runs in linear time)."""
    import re

    return "(?i)" + r"\s+".join(re.escape(w) for w in phrase.split())


def _group_sql(terms: list[Term]) -> tuple[str, list]:
    """Items matching every term of one AND group, with summed scores."""
    matchers = [t for t in terms if t.kind != "phrase"]
    phrases = [t.phrase for t in terms if t.kind == "phrase"]
    params: list = []
    if matchers:
        parts = []
        for term in matchers:
            sql, p = _term_sql(term)
            parts.append(sql)
            params += p
        sql = f"SELECT t0.sid, {' + '.join(f't{i}.s' for i in range(len(parts)))} AS score FROM ({parts[0]}) t0 " + \
            " ".join(f"JOIN ({part}) t{i} USING (sid)" for i, part in enumerate(parts[1:], 1))
    else:
        sql = "SELECT sid, 0.0::FLOAT AS score FROM search_items"
    if phrases:
        # the phrase itself, on one page of the item's text or in its title (a phrase split by a page break
        # is not found); only the candidates that contain every word of it are read
        # CASE over both sides keeps the regex above the join: only candidates' pages are read
        checks = " AND ".join(
            "c.sid IN (SELECT pg.sid FROM search_pages pg JOIN cand k USING (sid) "
            "WHERE regexp_matches(CASE WHEN k.sid IS NOT NULL THEN pg.text END, ?) "
            "UNION SELECT si.sid FROM search_items si JOIN cand k USING (sid) "
            "WHERE regexp_matches(CASE WHEN k.sid IS NOT NULL THEN si.title END, ?))" for _ in phrases)
        sql = f"WITH cand AS MATERIALIZED ({sql}) SELECT c.sid, c.score FROM cand c WHERE {checks}"
        params = params + [p for phrase in phrases for p in (phrase_pattern(phrase),) * 2]
    return sql, params


def _hits_sql(plan: QueryPlan, filters: Filters) -> tuple[str, list]:
    """SQL (sid, score) of the whole hit set after filters."""
    where, fparams = filters.sql()
    if plan.empty:
        return f"SELECT si.sid, 0.0::FLOAT AS score FROM search_items si WHERE {where}", fparams
    groups = [g for g in plan.groups if g and not any(t.empty for t in g)]
    if not groups:
        return "SELECT NULL::INTEGER AS sid, 0.0::FLOAT AS score WHERE FALSE", []
    parts, params = [], []
    for group in groups:
        sql, p = _group_sql(group)
        parts.append(sql)
        params += p
    union = parts[0] if len(parts) == 1 else \
        f"SELECT sid, max(score) AS score FROM ({' UNION ALL '.join(parts)}) u GROUP BY sid"
    if where == "TRUE":
        return union, params
    return f"SELECT h.sid, h.score FROM ({union}) h JOIN search_items si USING (sid) WHERE {where}", params + fparams


def search(con, query: str, filters: Filters | None = None, limit: int = 10, offset: int = 0,
           sort: str = "relevance", mode: str = "danish", snippets: bool = True, facets: bool = True,
           index: tuple | None = None) -> SearchResult:
    """The items matching `query` (all its terms) under `filters`, one page of them ranked, the exact total
    and facet counts. mode='danish' (full analysis) or 'plain' (the typed words only, a baseline).

    `index`: `index_key(con)` when the caller knows it already (the server, once per snapshot).
    Raises QueryError (a Danish message for the user) for a query that is too long or has too many words,
    ValueError for a bad sort/limit/offset.
    """
    if sort not in SORTS:
        raise ValueError(f"sort must be one of {SORTS}")
    if not (0 <= offset <= MAX_OFFSET) or not (1 <= limit <= MAX_LIMIT):
        raise ValueError("limit/offset out of range")
    filters = filters or Filters()
    key = index or index_key(con)
    # only a process that read an index into memory has imported `resident` (a one-shot CLI call does not pay
    # for numpy and the module)
    resident = sys.modules.get("pipeline.search.resident")
    held = resident.loaded(key) if resident else None
    plan = _plan(con, key, query or "", mode == "plain", held.vocab if held else None)
    nothing = plan.empty and bool((query or "").strip())  # only stop words or punctuation: nothing to look for
    if held is not None and not plan.phrases:
        total, facet_counts, page_sids, scores = _rank_in_memory(con, held, plan, filters, nothing, sort, limit,
                                                                 offset, facets)
    else:
        total, facet_counts, page_sids, scores = _rank_in_sql(con, plan, filters, nothing, sort, limit, offset,
                                                              facets)
    for name in facet_counts:
        facet_counts[name].sort(key=lambda kv: (-kv[1], str(kv[0])))
    rows = []
    if page_sids:
        # the page's columns, read for its rows only (sid IN literal integers from our own index)
        by_sid = {r[12]: r for r in con.execute(
            f"SELECT {HIT_COLUMNS} FROM search_items si WHERE si.sid IN ({sid_list(page_sids)})").fetchall()}
        rows = [by_sid[sid] + (scores.get(sid, 0.0),) for sid in page_sids if sid in by_sid]
    hits = [SearchHit(*row[:12], score=float(row[13] or 0.0)) for row in rows]
    if snippets and hits:
        _add_snippets(con, hits, {row[0]: int(row[12]) for row in rows}, plan)
    return SearchResult(hits=hits, total=int(total), corrected_query=plan.corrected_query,
                        suggestion=plan.suggested_query if total == 0 else None, also_searched=list(plan.also),
                        facets=facet_counts, plan=plan)


def _rank_in_sql(con, plan: QueryPlan, filters: Filters, nothing: bool, sort: str, limit: int, offset: int,
                 facets: bool) -> tuple[int, dict, list[int], dict[int, float]]:
    """(total, facet counts, the page's sids, their scores) computed in one SQL statement."""
    if nothing:
        hits_sql, params = "SELECT NULL::INTEGER AS sid, 0.0::FLOAT AS score WHERE FALSE", []
    else:
        hits_sql, params = _hits_sql(plan, filters)
    order = {"relevance": "h.score DESC, si.meeting_date DESC NULLS LAST, si.sid",
             "date": "si.meeting_date DESC NULLS LAST, h.score DESC, si.sid",
             "date_asc": "si.meeting_date ASC NULLS LAST, h.score DESC, si.sid"}[sort]
    # one statement: the hit set is computed once (MATERIALIZED) for the facet counts, the total and the page
    facet_sql = ("SELECT 'f' AS part, grouping(si.committee) = 0 AS c1, grouping(si.year) = 0 AS c2, "
                 "grouping(si.outcome) = 0 AS c3, "
                 "si.committee, si.year, si.outcome, count(*) AS n "
                 "FROM hits h JOIN search_items si USING (sid) "
                 "GROUP BY GROUPING SETS ((si.committee), (si.year), (si.outcome), ())") if facets else \
        ("SELECT 'f' AS part, false AS c1, false AS c2, false AS c3, NULL AS committee, NULL::INTEGER AS year, "
         "NULL AS outcome, count(*) AS n FROM hits")
    rows = con.execute(f"""WITH hits AS MATERIALIZED ({hits_sql}),
        facet AS ({facet_sql}),
        page AS (SELECT si.sid, h.score FROM hits h JOIN search_items si USING (sid) ORDER BY {order} LIMIT ? OFFSET ?)
        SELECT part, c1, c2, c3, committee, year, outcome, n::DOUBLE FROM facet
        UNION ALL SELECT 'p', false, false, false, NULL, sid, NULL, score::DOUBLE FROM page""",
                       params + [limit, offset]).fetchall()
    facet_counts = {name: [] for name in FACETS} if facets else {}
    total, page_sids, scores = 0, [], {}
    for part, by_committee, by_year, by_outcome, committee, year, outcome, n in rows:
        if part == "p":
            page_sids.append(int(year))
            scores[int(year)] = float(n or 0.0)
        elif by_committee:
            facet_counts["committee"].append((committee, int(n)))
        elif by_year:
            facet_counts["year"].append((year, int(n)))
        elif by_outcome:
            facet_counts["outcome"].append((outcome, int(n)))
        else:
            total = int(n)
    return total, facet_counts, page_sids, scores


def _rank_in_memory(con, held, plan: QueryPlan, filters: Filters, nothing: bool, sort: str,
                    limit: int, offset: int, facets: bool) -> tuple[int, dict, list[int], dict[int, float]]:
    """The same as `_rank_in_sql` (no phrases), from the `resident.ResidentIndex` held in memory."""
    import numpy as np

    from pipeline.search import resident

    mask = resident.filter_mask(held, filters)
    if nothing:
        mask[:] = False
        scores = np.zeros(held.size)
    elif plan.empty:
        scores = np.zeros(held.size)
    else:
        groups = [g for g in plan.groups if g and not any(t.empty for t in g)]
        matches, scores = resident.hit_scores(con, held, groups, CASE_SCORE)
        mask &= matches
    hits = np.flatnonzero(mask)
    page_sids = resident.page(held, hits, scores, sort, limit, offset) if offset < len(hits) else []
    facet_counts = resident.facet_counts(held, hits) if facets else {}
    return len(hits), facet_counts, page_sids, {sid: float(scores[sid]) for sid in page_sids}


def index_key(con) -> tuple:
    """(database path, index build time): identifies one version of one warehouse's search index (the key of
    the query-analysis cache and of an index held in memory)."""
    return tuple(con.execute("SELECT (SELECT path FROM duckdb_databases() WHERE database_name = current_database()), "
                             "(SELECT max(built_at) FROM search_meta)").fetchone())


def sid_list(sids: list[int]) -> str:
    """`1, 2, 3` for `sid IN (...)`: with the ART index on sid (see `index.SID_INDEXES`) DuckDB looks the rows
    up instead of scanning; sids are our own integers (int() cast), never user text."""
    return ", ".join(str(int(sid)) for sid in sids)


_PLANS: dict[tuple, QueryPlan] = {}
_PLANS_LOCK = threading.Lock()
PLAN_CACHE = 2000


def _plan(con, index: tuple, query: str, plain: bool, vocab=None) -> QueryPlan:
    """The query analysis, cached per index version (a long-running server sees popular queries again)."""
    key = (*index, query, plain)
    with _PLANS_LOCK:
        plan = _PLANS.get(key)
    if plan is None:
        plan = analyse(con, query, plain=plain, vocab=vocab)
        with _PLANS_LOCK:
            if len(_PLANS) >= PLAN_CACHE:
                _PLANS.clear()
            _PLANS[key] = plan
    return plan


def _add_snippets(con, hits: list[SearchHit], sids: dict[str, int], plan: QueryPlan) -> None:
    pages: dict[int, list[tuple[int, str]]] = {}
    wanted = sid_list([sids[h.item_id] for h in hits])
    for sid, page, text in con.execute(f"SELECT sid, page, text FROM search_pages WHERE sid IN ({wanted}) "
                                       "ORDER BY sid, page").fetchall():
        pages.setdefault(sid, []).append((page, text))
    for hit in hits:
        segments, page = best_snippet(pages.get(sids[hit.item_id], []), plan.highlight_words, plan.phrases)
        hit.snippet_segments = segments
        hit.snippet = render_plain(segments)
        hit.snippet_page = page or hit.first_page


def item_detail(con, item_id: str) -> dict | None:
    """Everything the item page shows: item + meeting, sections, decision, votes, attendance, attachments."""
    row = con.execute("""SELECT i.item_id, i.number, i.title, i.closed, i.first_page, i.last_page, i.recommendation,
                                i.case_number, i.source_file, i.doc_id, m.municipality, m.committee, m.meeting_date,
                                m.document_type, m.start_time, m.end_time, m.location, m.meeting_id
                         FROM agenda_items i JOIN meetings m USING (meeting_id) WHERE i.item_id = ?""",
                      [item_id]).fetchone()
    if row is None:
        return None
    keys = ("item_id", "number", "title", "closed", "first_page", "last_page", "recommendation", "case_number",
            "source_file", "doc_id", "municipality", "committee", "meeting_date", "document_type", "start_time",
            "end_time", "location", "meeting_id")
    item = dict(zip(keys, row))
    item["sections"] = [dict(zip(("heading", "kind", "text", "first_page"), r)) for r in con.execute(
        "SELECT heading, kind, text, first_page FROM item_sections WHERE item_id = ? ORDER BY position", [item_id]).fetchall()]
    dec = con.execute("""SELECT text, outcome, votes_for, votes_against, votes_abstain, deviates_from_recommendation, page
                         FROM decisions WHERE item_id = ?""", [item_id]).fetchone()
    item["decision"] = dict(zip(("text", "outcome", "votes_for", "votes_against", "votes_abstain", "deviates",
                                 "page"), dec)) if dec else None
    item["attendance"] = con.execute("SELECT name, status FROM attendance WHERE item_id = ? ORDER BY status DESC, name",
                                     [item_id]).fetchall()
    item["attachments"] = [r[0] for r in con.execute(
        "SELECT title FROM attachments WHERE item_id = ? ORDER BY position", [item_id]).fetchall()]
    return item
