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
PRUNE_AT = 2000  # postings per term read for an unfiltered relevance query (tiered index)
PHRASE_CANDIDATES = 500  # best candidates whose text is checked for a quoted phrase
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
    total_is_exact: bool = True        # False: very common words, total is a lower bound


HIT_COLUMNS = ("si.item_id, si.source_file, si.number, si.title, si.municipality, si.committee, si.meeting_date, "
               "si.document_type, si.outcome, si.case_number, si.first_page, si.doc_id, si.sid")


def search(con, query: str, filters: Filters | None = None, limit: int = 10, offset: int = 0,
           sort: str = "relevance", mode: str = "danish", snippets: bool = True, vocab=None) -> SearchResult:
    """Ranked agenda items for `query`. mode='danish' (full analysis) or 'plain' (stock DuckDB BM25).

    `vocab`: a Vocabulary already loaded for this warehouse (a long-running reader such as the web server
    passes it to skip the per-call freshness check).
    """
    if sort not in SORTS:
        raise ValueError(f"sort must be one of {SORTS}")
    filters = filters or Filters()
    vocab = vocab or get_vocabulary(con)
    plan = analyse(con, query, vocab, plain=(mode == "plain"))
    where, params = filters.sql()
    exact = True
    order = {"relevance": "score DESC, si.meeting_date DESC, si.sid",
             "date": "si.meeting_date DESC NULLS LAST, score DESC, si.sid",
             "date_asc": "si.meeting_date ASC NULLS LAST, score DESC, si.sid"}[sort]

    if mode == "plain" and query.strip():
        if plan.phrases:
            where += "".join(" AND contains(si.fulltext, ?)" for _ in plan.phrases)
            params = params + plan.phrases
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
        rows, total, exact = _ranked(con, plan, (where, params), plan.phrases, sort, limit, offset, vocab)
    if exact:
        total = rows[0][-1] if rows else 0
    hits = [SearchHit(*row[:12], score=float(row[13] or 0.0)) for row in rows]
    sids = {row[0]: int(row[12]) for row in rows}
    if snippets and hits:
        _add_snippets(con, hits, sids, plan, vocab)
    return SearchResult(hits=hits, total=int(total), corrected_query=plan.corrected_query, plan=plan,
                        total_is_exact=exact)


def _ranked(con, plan: QueryPlan, meta: tuple[str, list], phrases: list[str], sort: str, limit: int, offset: int,
            vocab) -> tuple[list, int, bool]:
    """Score candidates from the impact postings, filter, take the top `limit`, then fetch their columns.

    Returns (rows, total, total_is_exact). Late materialisation: only sids and scores of the candidates are
    sorted; item columns are read for the returned page only. `sid` follows meeting date, so it doubles as
    the date order. Without filters, a term's posting list longer than PRUNE_AT is cut to its PRUNE_AT
    highest impacts (relevance order only); the total is then a lower bound.
    """
    where, fparams = meta
    termids = sorted({c[2] for c in plan.clauses})
    df = {tid: d for tid, d in (vocab.df_by_id.get(t, (t, 0)) for t in termids)} if termids else {}
    prune = (where == "TRUE" and sort == "relevance"
             and any(d > PRUNE_AT for d in df.values()))
    parts, qparams = [], []
    if plan.clauses:
        # termid IN (...) lets DuckDB skip every row group of search_postings that holds other terms;
        # the ids are integers from our own vocabulary (int() cast), never user text.
        in_list = ", ".join(str(int(t)) for t in termids)
        cond = f"p.termid IN ({in_list})" + (f" AND p.rnk <= {PRUNE_AT}" if prune else "")
        if where != "TRUE":
            cond += f" AND p.sid IN (SELECT si.sid FROM search_items si WHERE {where})"
            qparams_f = list(fparams)
        else:
            qparams_f = []
        if len(plan.clauses) == 1:
            parts.append(f"SELECT p.sid, {float(plan.clauses[0][3])} * p.impact AS s, 0 AS main "
                         f"FROM search_postings p WHERE {cond}")
        else:
            parts.append(f"""SELECT p.sid, q.w * p.impact AS s, q.main
                             FROM search_postings p
                             JOIN (SELECT unnest(?::INTEGER[]) AS termid, unnest(?::DOUBLE[]) AS w,
                                          unnest(?::INTEGER[]) AS main) q USING (termid)
                             WHERE {cond}""")
            qparams += [[c[2] for c in plan.clauses], [c[3] for c in plan.clauses], [c[1] for c in plan.clauses]]
        qparams += qparams_f
    base_main = len({c[1] for c in plan.clauses})
    for i, case in enumerate(plan.case_numbers):
        extra = f" AND {where}" if where != "TRUE" else ""
        parts.append(f"SELECT si.sid, {CASE_SCORE} AS s, {base_main + i} AS main FROM search_items si "
                     f"WHERE starts_with(si.case_number, ?){extra}")
        qparams += [case] + list(fparams if where != "TRUE" else [])
    n_mains = max(1, plan.mains)
    order = {"relevance": "score DESC, sid DESC", "date": "sid DESC", "date_asc": "sid ASC"}[sort]
    single = len(parts) == 1 and len(plan.clauses) <= 1
    if single:  # one term or one case number: no aggregation needed
        scored = "SELECT sid, s AS score FROM matched"
    else:
        # alternatives of a word add up (they rarely co-occur); coverage of the query's words (bitmask of
        # `main`) scales the sum so items matching more of the query rank first
        scored = (f"SELECT sid, sum(s) * (1 + bit_count(bit_or(1::BIGINT << main)) / {float(n_mains)}) / 2 AS score"
                  + (f", bit_count(bit_or(1::BIGINT << main)) AS covered" if phrases else "")
                  + " FROM matched GROUP BY sid")
    kept = "SELECT sid, score FROM scored"
    phrase_cap = 0
    if phrases:
        # verify phrases on the best-scoring candidates that contain every word only (reading full texts
        # of every candidate would dominate the query time); the total is then a lower bound
        phrase_cap = max(PHRASE_CANDIDATES, 4 * (offset + limit))
        covered = f"WHERE covered >= {base_main} " if not single else ""
        kept = ("SELECT c.sid, c.score FROM (SELECT sid, score FROM scored "
                f"{covered}ORDER BY {order} LIMIT {int(phrase_cap)}) c JOIN search_items si USING (sid) WHERE "
                + " AND ".join("contains(si.fulltext, ?)" for _ in phrases))
        qparams += phrases
    sql = f"""
        WITH matched AS ({' UNION ALL '.join(parts)}),
        scored AS ({scored}),
        kept AS ({kept}),
        page AS (SELECT sid, score, count(*) OVER () AS total FROM kept ORDER BY {order} LIMIT ? OFFSET ?)
        SELECT {HIT_COLUMNS}, page.score, page.total
        FROM page JOIN search_items si USING (sid)
        ORDER BY {order.replace('score', 'page.score').replace('sid', 'si.sid')}"""
    rows = con.execute(sql, qparams + [limit, offset]).fetchall()
    total = rows[0][-1] if rows else 0
    if prune and not phrase_cap:
        return rows, max([total] + list(df.values())), False
    if phrase_cap and prune:
        return rows, total, False
    if phrase_cap:
        n_covered = con.execute(f"WITH matched AS ({' UNION ALL '.join(parts)}), scored AS ({scored}) "
                                f"SELECT count(*) FROM scored {covered}", qparams[:len(qparams) - len(phrases)]).fetchone()[0]
        return rows, total, n_covered <= phrase_cap
    return rows, total, True


def _add_snippets(con, hits: list[SearchHit], sids: dict[str, int], plan: QueryPlan, vocab) -> None:
    # sid IN (integers from our own rows): zone maps let DuckDB read only the row groups holding them
    in_list = ", ".join(str(int(sids[h.item_id])) for h in hits)
    texts = {row[0]: row[1:] for row in con.execute(
        f"SELECT item_id, decision, body FROM search_items WHERE sid IN ({in_list})").fetchall()}
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
