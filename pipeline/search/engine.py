"""The search API shared by `minutes search` and `minutes serve`.

    result = search(con, "frivilligfest", Filters(municipality="Gentofte"), limit=10)
    result.hits[0].title, result.corrected_query, result.total
"""
from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field

from pipeline.search.query import QueryPlan, analyse
from pipeline.search.snippets import make_snippet, render_html, render_plain
from pipeline.search.vocab import get_vocabulary

CASE_SCORE = 25.0
SORTS = ("relevance", "date", "date_asc")


@dataclass
class Filters:
    municipality: str | None = None      # case-insensitive substring
    committee: str | None = None         # case-insensitive substring
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    case_prefix: str | None = None       # '27.00' finds the KLE group, '2022-' a year of Copenhagen cases
    outcome: str | None = None           # approved | rejected | noted | ...
    document_type: str | None = None     # referat | dagsorden

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


@dataclass
class SearchResult:
    hits: list[SearchHit]
    total: int
    corrected_query: str | None = None
    plan: QueryPlan | None = field(default=None, repr=False)


HIT_COLUMNS = ("si.item_id, si.source_file, si.number, si.title, si.municipality, si.committee, si.meeting_date, "
               "si.document_type, si.outcome, si.case_number, si.first_page, si.doc_id")


def search(con, query: str, filters: Filters | None = None, limit: int = 10, offset: int = 0,
           sort: str = "relevance", mode: str = "danish", snippets: bool = True) -> SearchResult:
    """Ranked agenda items for `query`. mode='danish' (full analysis) or 'plain' (stock DuckDB BM25)."""
    if sort not in SORTS:
        raise ValueError(f"sort must be one of {SORTS}")
    filters = filters or Filters()
    vocab = get_vocabulary(con)
    plan = analyse(con, query, vocab, plain=(mode == "plain"))
    where, params = filters.sql()
    if plan.phrases:
        where += "".join(" AND contains(si.fulltext, ?)" for _ in plan.phrases)
        params += plan.phrases
    order = {"relevance": "score DESC, si.meeting_date DESC, si.sid",
             "date": "si.meeting_date DESC NULLS LAST, score DESC, si.sid",
             "date_asc": "si.meeting_date ASC NULLS LAST, score DESC, si.sid"}[sort]

    if mode == "plain" and query.strip():
        sql = f"""SELECT {HIT_COLUMNS}, score, count(*) OVER () AS total FROM (
                    SELECT *, fts_main_search_items.match_bm25(sid, ?, fields := 'title,decision,body') AS score
                    FROM search_items) si
                  WHERE score IS NOT NULL AND {where}
                  ORDER BY {order} LIMIT ? OFFSET ?"""
        from pipeline.search.inflections import _ensure_fts

        _ensure_fts(con)
        rows = con.execute(sql, [query] + params + [limit, offset]).fetchall()
    elif plan.empty:
        if query.strip():  # words that are all unknown/stop words: nothing can match
            rows = []
        else:  # browse: filters only, newest first
            sql = f"""SELECT {HIT_COLUMNS}, 0.0 AS score, count(*) OVER () AS total FROM search_items si
                      WHERE {where} ORDER BY {order.replace('score DESC, ', '')} LIMIT ? OFFSET ?"""
            rows = con.execute(sql, params + [limit, offset]).fetchall()
    else:
        rows = _ranked(con, plan, (where, params), params, sort, limit, offset)

    total = rows[0][-1] if rows else 0
    hits = [SearchHit(*row[:12], score=float(row[12] or 0.0)) for row in rows]
    if snippets and hits:
        _add_snippets(con, hits, plan, vocab)
    return SearchResult(hits=hits, total=int(total), corrected_query=plan.corrected_query, plan=plan)


def _ranked(con, plan: QueryPlan, filters: "Filters", params: list, sort: str, limit: int, offset: int):
    """Score candidates from the impact postings, filter, take the top `limit`, then fetch their columns.

    Late materialisation: only the sids and scores of all candidates are sorted; item columns are read for
    the returned page only. `sid` follows meeting date, so it doubles as the date order.
    """
    parts, qparams = [], []
    if plan.clauses:
        # termid IN (...) lets DuckDB skip every row group of search_postings that holds other terms;
        # the ids are integers produced by our own vocabulary (int() cast), never user text.
        in_list = ", ".join(str(int(t)) for t in sorted({c[2] for c in plan.clauses}))
        parts.append(f"""SELECT p.sid, q.w * p.impact AS s, q.main
                         FROM search_postings p
                         JOIN (SELECT unnest(?::INTEGER[]) AS termid, unnest(?::DOUBLE[]) AS w,
                                      unnest(?::INTEGER[]) AS main) q USING (termid)
                         WHERE p.termid IN ({in_list})""")
        qparams += [[c[2] for c in plan.clauses], [c[3] for c in plan.clauses], [c[1] for c in plan.clauses]]
    base_main = len({c[1] for c in plan.clauses})
    for i, case in enumerate(plan.case_numbers):
        parts.append(f"SELECT sid, {CASE_SCORE} AS s, {base_main + i} AS main FROM search_items WHERE starts_with(case_number, ?)")
        qparams.append(case)
    n_mains = float(max(1, plan.mains))
    where, fparams = filters
    join = f"JOIN search_items si USING (sid) WHERE {where}" if where != "TRUE" else ""
    order = {"relevance": "score DESC, sid DESC", "date": "sid DESC", "date_asc": "sid ASC"}[sort]
    # one aggregation: alternatives of a word add up (they rarely co-occur), coverage of the query's
    # words (bitmask of `main`) scales the sum so items matching more of the query rank first
    sql = f"""
        WITH matched AS ({' UNION ALL '.join(parts)}),
        scored AS (SELECT sid, sum(s) * (1 + bit_count(bit_or(1::BIGINT << main)) / {n_mains}) / 2 AS score
                   FROM matched GROUP BY sid),
        kept AS (SELECT scored.sid, scored.score FROM scored {join}),
        page AS (SELECT sid, score, count(*) OVER () AS total FROM kept ORDER BY {order} LIMIT ? OFFSET ?)
        SELECT {HIT_COLUMNS}, page.score, page.total
        FROM page JOIN search_items si USING (sid)
        ORDER BY {order.replace('score', 'page.score').replace('sid', 'si.sid')}"""
    return con.execute(sql, qparams + fparams + [limit, offset]).fetchall()


def _add_snippets(con, hits: list[SearchHit], plan: QueryPlan, vocab) -> None:
    ids = [h.item_id for h in hits]
    texts = {row[0]: row[1:] for row in con.execute(
        "SELECT item_id, decision, body FROM search_items WHERE item_id IN (SELECT unnest(?::VARCHAR[]))", [ids]).fetchall()}
    for hit in hits:
        decision, body = texts.get(hit.item_id, ("", ""))
        segments = make_snippet(f"{body} {decision}".strip(), plan, vocab) if (body or decision) else []
        hit.snippet_segments = segments
        hit.snippet = render_plain(segments)


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
