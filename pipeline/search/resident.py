"""Search from memory: one version of the search index held by a long-running reader.

The web server (and the benchmark) calls `load(con)` once per warehouse snapshot. From then on `search()` on
that snapshot analyses the query against the vocabulary in dictionaries (`vocabulary.MemoryVocabulary`) and
computes the hit set, its exact total, the facet counts and the requested page with numpy over dense per-item
arrays (one slot per `sid`), instead of a dozen vocabulary queries and SQL joins and GROUPING SETS over
`search_items`, which cost tens of milliseconds per query at a million items. The postings are held too when
they fit in `max_postings_bytes` (`Postings`, 5 bytes per posting: about 1 GB at a million items); otherwise a
term reads the rows of its word ids from DuckDB (the table is ordered by word id, so zone maps skip the rest).

The results are the same as the SQL path's, row for row: the same terms and weights (the `QueryPlan`), the same
float arithmetic (single precision: FLOAT impact x FLOAT weight, summed term by term, max over OR groups) and
the same order (relevance: score, newest, sid; date: newest, score, sid; date_asc: oldest, score, sid). A plan with a quoted
phrase still goes to SQL: a phrase is checked against the candidates' page text there.
"""
from __future__ import annotations

import bisect
import re
import threading
from dataclasses import dataclass

import numpy as np

from pipeline.search.engine import index_key
from pipeline.search.index import case_key
from pipeline.search.vocabulary import MemoryVocabulary

try:  # built by `pip install` (pyproject's ext-modules); without a compiler the numpy path gives the same scores
    from pipeline.search import _postings
except ImportError:  # pragma: no cover - exercised by the test that hides the module
    _postings = None

CATEGORIES = ("committee", "municipality", "outcome", "document_type")
KEEP = 4          # index versions kept at most (a server discards the one it stopped serving itself)
MAX_POSTINGS_BYTES = 2 << 30   # postings held in memory up to this size (sid int32 + impact code per posting)
CHUNK_ROWS = 8_000_000         # postings read per query while loading (bounded transient memory)
SCORE = np.float32             # the SQL path's FLOAT: half the memory traffic of double per posting
MAX_FACET_CELLS = 1 << 22      # committee x year x outcome combinations counted in one bincount
_ALNUM = re.compile("[0-9A-Za-z]")  # a typed case number is a leading part only when no letter/digit follows


@dataclass
class Postings:
    """`search_postings` in memory, grouped by word id: the rows of wid w are [offsets[w], offsets[w + 1]).
    Impacts are stored as codes into `impacts` (a corpus has few distinct impact values), so a posting costs
    5 bytes instead of 12."""
    offsets: np.ndarray               # int64, one more than the largest wid + 1
    sids: np.ndarray                  # int32
    codes: np.ndarray                 # uint8 or uint16
    impacts: np.ndarray               # float32, distinct impact values in code order

    def count(self, wid: int) -> int:
        """Postings of one word id."""
        return int(self.offsets[wid + 1] - self.offsets[wid]) if wid + 1 < len(self.offsets) else 0

    def coded_rows(self, wid: int) -> tuple[np.ndarray, np.ndarray]:
        """(sids, impact codes) of one word id; empty for an id beyond the table."""
        if wid + 1 >= len(self.offsets):
            return self.sids[:0], self.codes[:0]
        lo, hi = self.offsets[wid], self.offsets[wid + 1]
        return self.sids[lo:hi], self.codes[lo:hi]

    @property
    def nbytes(self) -> int:
        return self.offsets.nbytes + self.sids.nbytes + self.codes.nbytes + self.impacts.nbytes


@dataclass
class CaseNumbers:
    """The distinct printed case numbers (sorted), the code of each item's (0 = none), and lookups for the
    two questions a search asks: which numbers match what was typed, which begin with a filter prefix."""
    printed: list[str]                # code k-1 -> printed form, sorted
    code: np.ndarray                  # int32 per sid
    by_key: dict[str, list[int]]      # index.case_key -> codes
    lowered: list[tuple[str, int]]    # (lower-cased form, code), sorted
    items_per_code: np.ndarray        # int64: how many items carry each code

    def typed(self, typed: str) -> list[int]:
        """Codes of the numbers a typed case number matches: the same letters and digits, or a leading part
        ending at a separator (the SQL path's `case_key = ? OR (starts_with(lower(...)) AND ...)`)."""
        typed = typed.lower()
        codes = set(self.by_key.get(case_key(typed) or "", ()))
        at = bisect.bisect_left(self.lowered, (typed, -1))
        while at < len(self.lowered) and self.lowered[at][0].startswith(typed):
            code = self.lowered[at][1]
            if not _ALNUM.match(self.printed[code - 1][len(typed):len(typed) + 1]):
                codes.add(code)
            at += 1
        return sorted(codes)

    def starting_with(self, prefix: str) -> list[int]:
        """Codes of the numbers that begin with `prefix` (case-sensitive, as `starts_with`)."""
        at = bisect.bisect_left(self.printed, prefix)
        codes = []
        while at < len(self.printed) and self.printed[at].startswith(prefix):
            codes.append(at + 1)
            at += 1
        return codes

    def counts(self, numbers: list[str]) -> dict[str, int]:
        """Items per printed case number (the appearances a result list shows beside a case)."""
        out = {}
        for number in numbers:
            at = bisect.bisect_left(self.printed, number)
            if at < len(self.printed) and self.printed[at] == number:
                out[number] = int(self.items_per_code[at + 1])
        return out

    def mask(self, codes: list[int]) -> np.ndarray:
        """Per sid: does the item's case number have one of these codes."""
        wanted = np.zeros(len(self.printed) + 1, dtype=bool)
        wanted[codes] = True
        wanted[0] = False
        return wanted[self.code]


@dataclass
class ResidentIndex:
    """One index version in memory: the filter, facet and sort columns of every item by sid (slot k = sid k),
    the vocabulary for the query analysis and, when they fit, the postings."""
    key: tuple
    present: np.ndarray               # bool: an item has this sid
    day: np.ndarray                   # int32 days since 1970-01-01 (0 where unknown: check has_day)
    has_day: np.ndarray               # bool
    year_code: np.ndarray             # int32 code into years (0 = unknown)
    years: list                       # [None, year1, year2, ...]
    facet_code: np.ndarray            # int32: (committee, year, outcome) codes combined, for one bincount
    codes: dict[str, np.ndarray]      # category -> int32 code into names[category] (0 = NULL)
    names: dict[str, list]            # category -> [None, name1, name2, ...]
    newest_rank: np.ndarray           # int32: position under (meeting_date DESC NULLS LAST, sid)
    newest_group: np.ndarray          # int32: dense rank of meeting_date DESC NULLS LAST
    oldest_group: np.ndarray          # int32: dense rank of meeting_date ASC NULLS LAST
    cases: CaseNumbers | None = None
    postings: Postings | None = None  # None: terms read their postings from DuckDB
    vocab: MemoryVocabulary | None = None

    @property
    def size(self) -> int:
        return len(self.present)


_LOADED: dict[tuple, ResidentIndex] = {}
_LOCK = threading.Lock()


def load(con, max_postings_bytes: int = MAX_POSTINGS_BYTES) -> ResidentIndex:
    """Read the item columns of this connection's index into memory (and its postings, when they fit in
    `max_postings_bytes`) and register them for `search()`."""
    key = index_key(con)
    with _LOCK:
        if key in _LOADED:
            return _LOADED[key]
    columns = _read(con, key)
    columns.vocab = MemoryVocabulary(con)
    columns.cases = _read_cases(con, columns.size)
    postings = _read_postings(con, max_postings_bytes)
    # postings of sids beyond the item columns (none in a complete index) would index past the arrays
    if postings is not None and (len(postings.sids) == 0 or int(postings.sids.max()) < columns.size):
        columns.postings = postings
    with _LOCK:
        while len(_LOADED) >= KEEP:
            _LOADED.pop(next(iter(_LOADED)))
        _LOADED[key] = columns
    return columns


def forget(con) -> None:
    """Drop this connection's index version from memory (searches on it run in SQL again)."""
    discard(index_key(con))


def discard(key: tuple) -> None:
    """Drop an index version from memory (e.g. the snapshot a server no longer serves)."""
    with _LOCK:
        _LOADED.pop(key, None)


def loaded(key: tuple) -> ResidentIndex | None:
    """The registered columns for an index version, or None (then `search()` ranks in SQL)."""
    with _LOCK:
        return _LOADED.get(key)


def _read(con, key: tuple) -> ResidentIndex:
    size = (con.execute("SELECT max(sid) FROM search_items").fetchone()[0] or 0) + 1
    names = {c: [None] + [r[0] for r in con.execute(
        f"SELECT DISTINCT {c} FROM search_items WHERE {c} IS NOT NULL ORDER BY 1").fetchall()] for c in CATEGORIES}
    # the dense rank under the same ORDER BY as names[c] (NULLs last) is the 1-based position in it; code 0 is
    # "unknown", as names[c][0] is None
    code_sql = ", ".join(f"CASE WHEN {c} IS NULL THEN 0 ELSE dense_rank() OVER (ORDER BY {c} NULLS LAST) END::INTEGER "
                         f"AS {c}" for c in CATEGORIES)
    cols = con.execute(f"""
        SELECT sid, coalesce(datediff('day', DATE '1970-01-01', meeting_date), 0)::INTEGER AS day,
               meeting_date IS NOT NULL AS has_day, coalesce(year, 0)::INTEGER AS year, {code_sql},
               (row_number() OVER (ORDER BY meeting_date DESC NULLS LAST, sid) - 1)::INTEGER AS newest_rank,
               dense_rank() OVER (ORDER BY meeting_date DESC NULLS LAST)::INTEGER AS newest_group,
               dense_rank() OVER (ORDER BY meeting_date ASC NULLS LAST)::INTEGER AS oldest_group
        FROM search_items""").fetchnumpy()
    sid = np.asarray(cols["sid"], dtype=np.int64)

    def dense(name: str, dtype) -> np.ndarray:
        out = np.zeros(size, dtype=dtype)
        out[sid] = np.asarray(cols[name], dtype=dtype)
        return out

    present = np.zeros(size, dtype=bool)
    present[sid] = True
    year = dense("year", np.int32)
    years = sorted(set(np.unique(year).tolist()) - {0})
    year_code = np.zeros(size, dtype=np.int32)
    for code, value in enumerate(years, 1):
        year_code[year == value] = code
    codes = {c: dense(c, np.int32) for c in CATEGORIES}
    facet_code = (codes["committee"].astype(np.int64) * (len(years) + 1) + year_code) * len(names["outcome"]) \
        + codes["outcome"]
    return ResidentIndex(key=key, present=present, day=dense("day", np.int32), has_day=dense("has_day", bool),
                       year_code=year_code, years=[None] + years, facet_code=facet_code, codes=codes,
                       names=names,
                       newest_rank=dense("newest_rank", np.int32), newest_group=dense("newest_group", np.int32),
                       oldest_group=dense("oldest_group", np.int32))


def _read_cases(con, size: int) -> CaseNumbers:
    printed = [r[0] for r in con.execute("SELECT DISTINCT case_number FROM search_items "
                                         "WHERE case_number IS NOT NULL ORDER BY case_number").fetchall()]
    rows = con.execute("SELECT sid, dense_rank() OVER (ORDER BY case_number)::INTEGER AS code FROM search_items "
                       "WHERE case_number IS NOT NULL").fetchnumpy()
    code = np.zeros(size, dtype=np.int32)
    code[np.asarray(rows["sid"], dtype=np.int64)] = np.asarray(rows["code"], dtype=np.int32)
    by_key: dict[str, list[int]] = {}
    for k, number in enumerate(printed, 1):
        by_key.setdefault(case_key(number) or "", []).append(k)
    return CaseNumbers(printed=printed, code=code, by_key=by_key,
                       lowered=sorted((number.lower(), k) for k, number in enumerate(printed, 1)),
                       items_per_code=np.bincount(code, minlength=len(printed) + 1))


def _read_postings(con, max_bytes: int) -> Postings | None:
    """The postings grouped by word id, read in word-id ranges of about CHUNK_ROWS rows; None when they
    would take more than max_bytes or have too many distinct impacts to code."""
    # one scan for both: the number of postings per word id, and the distinct impact values
    stats = con.execute("SELECT wid, impact, count(*) AS n FROM search_postings "
                        "GROUP BY GROUPING SETS ((wid), (impact))").fetchnumpy()
    by_wid = ~np.ma.getmaskarray(stats["wid"])
    if not by_wid.any():
        return None
    wids = np.asarray(stats["wid"][by_wid], dtype=np.int64)
    counts = np.zeros(int(wids.max()) + 1, dtype=np.int64)
    counts[wids] = np.asarray(stats["n"][by_wid], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(counts)])
    total = int(offsets[-1])
    impacts = np.sort(np.asarray(stats["impact"][~by_wid], dtype=np.float32))
    code_type = np.uint8 if len(impacts) <= 1 << 8 else np.uint16 if len(impacts) <= 1 << 16 else None
    if code_type is None or total * (4 + np.dtype(code_type).itemsize) > max_bytes:
        return None
    sids = np.empty(total, dtype=np.int32)
    codes = np.empty(total, dtype=code_type)
    lo = 0
    while lo < len(counts):
        # the next range of word ids holding about CHUNK_ROWS postings (at least one id)
        hi = max(lo + 1, int(np.searchsorted(offsets, offsets[lo] + CHUNK_ROWS, side="right")) - 1)
        hi = min(hi, len(counts))
        rows = con.execute("SELECT wid, sid, impact FROM search_postings WHERE wid >= ? AND wid < ?", [lo, hi]).fetchnumpy()
        # rows come mostly in storage order (by wid after a full build): a stable sort by wid is near-linear
        order = np.argsort(np.asarray(rows["wid"]), kind="stable")
        sids[offsets[lo]:offsets[hi]] = np.asarray(rows["sid"], dtype=np.int32)[order]
        codes[offsets[lo]:offsets[hi]] = np.searchsorted(impacts, np.asarray(rows["impact"], dtype=np.float32)[order])
        lo = hi
    return Postings(offsets=offsets, sids=sids, codes=codes, impacts=impacts)


# -- the hit set ------------------------------------------------------------------------------------
def _term_scores(con, items: ResidentIndex, weights: dict[int, float]) -> tuple[np.ndarray, np.ndarray]:
    """(matches, score) per sid for one word term: the best matching word's impact x weight."""
    matches = np.zeros(items.size, dtype=bool)
    scores = np.zeros(items.size, dtype=SCORE)
    wids = sorted(weights)
    if items.postings is not None:
        table = items.postings.impacts.astype(SCORE)
        # the longest posting list first: it is written without reading (scores start at zero), the max of
        # gather and scatter is paid only for the others (the max does not depend on the order)
        for k, wid in enumerate(sorted(wids, key=items.postings.count, reverse=True)):
            sid, codes = items.postings.coded_rows(wid)
            # impact x weight for the corpus's few distinct impacts: the same products as multiplying every
            # posting's impact
            weighted = table * SCORE(weights[wid])
            if _postings is not None:  # one pass in C, without the GIL
                _postings.scatter_max(scores, sid, codes, weighted, codes.itemsize)
                continue
            value = weighted[codes]
            # a word id holds an item at most once, so per word id a plain (gather, max, scatter) is exact
            scores[sid] = value if k == 0 else np.maximum(scores[sid], value)
        # impacts and weights are positive (log(1 + tf), title/decision weights; factor x log(1 + n/df)), so a
        # score above zero is a match: no second scatter per word id
        if min(weights.values()) > 0 and float(items.postings.impacts.min(initial=1.0)) > 0:
            return scores > 0, scores
        for wid in wids:
            matches[items.postings.coded_rows(wid)[0]] = True
        return matches, scores
    # the ids are integers from our own vocabulary table (int() cast), never user text
    rows = con.execute(f"SELECT wid, sid, impact FROM search_postings WHERE wid IN ({', '.join(str(int(w)) for w in wids)})"
                       ).fetchnumpy()
    sid = np.asarray(rows["sid"], dtype=np.int64)
    keep = sid < items.size  # postings of items indexed after this snapshot's item columns were read: none
    sid = sid[keep]
    wid = np.asarray(rows["wid"], dtype=np.int64)[keep]
    table_wids = np.asarray(wids, dtype=np.int64)
    table_weights = np.asarray([weights[w] for w in wids], dtype=SCORE)
    value = np.asarray(rows["impact"], dtype=SCORE)[keep] * table_weights[np.searchsorted(table_wids, wid)]
    matches[sid] = True
    np.maximum.at(scores, sid, value)
    return matches, scores


def _case_scores(items: ResidentIndex, typed: str, score: float) -> tuple[np.ndarray, np.ndarray]:
    """(matches, score) per sid for a typed case number: a fixed score where it matches."""
    matches = items.cases.mask(items.cases.typed(typed))
    return matches, np.where(matches, SCORE(score), SCORE(0))


def hit_scores(con, items: ResidentIndex, groups: list, case_score: float) -> tuple[np.ndarray, np.ndarray]:
    """(matches, score) per sid of an OR of AND groups of terms (no phrases): every term of a group must
    match; an item's score is its best group's sum of term scores. Scores are meaningful where matches is
    true only."""
    results = [_group_scores(con, items, group, case_score) for group in groups if group]
    if not results:
        return np.zeros(items.size, dtype=bool), np.zeros(items.size, dtype=SCORE)
    matches, best = results[0]
    for group_match, group_score in results[1:]:  # OR: the better group's score where both match
        best = np.where(group_match & (~matches | (group_score > best)), group_score, best)
        matches = matches | group_match
    return matches, best


def _group_scores(con, items: ResidentIndex, group: list, case_score: float) -> tuple[np.ndarray, np.ndarray]:
    """(matches, score) of one AND group: every term matches; the score is the sum of the term scores, added
    left to right like the SQL path's t0.s + t1.s + ... (the same floats in the same order)."""
    group_match, group_score = None, None
    for term in group:
        if term.kind == "case":
            m, s = _case_scores(items, term.case, case_score)
        else:
            m, s = _term_scores(con, items, term.weights)
        group_match = m if group_match is None else group_match & m
        group_score = s if group_score is None else group_score + s
    return group_match, group_score


def filter_mask(items: ResidentIndex, filters) -> np.ndarray:
    """The items the filters let through (the same tests as `Filters.sql`)."""
    mask = items.present.copy()
    for category, wanted in (("municipality", filters.municipality), ("committee", filters.committee)):
        if wanted:
            allowed = np.array([name is not None and wanted.lower() in name.lower()
                                for name in items.names[category]], dtype=bool)
            mask &= allowed[items.codes[category]]
    for category, wanted in (("outcome", filters.outcome), ("document_type", filters.document_type)):
        if wanted:
            allowed = np.array([name == wanted for name in items.names[category]], dtype=bool)
            mask &= allowed[items.codes[category]]
    if filters.date_from:
        mask &= items.has_day & (items.day >= _days(filters.date_from))
    if filters.date_to:
        mask &= items.has_day & (items.day <= _days(filters.date_to))
    if filters.year:
        wanted = int(filters.year)
        mask &= items.year_code == (items.years.index(wanted) if wanted in items.years else -1)
    if filters.case_prefix:
        mask &= items.cases.mask(items.cases.starting_with(filters.case_prefix))
    return mask


def _days(day) -> int:
    import datetime as dt

    return (day - dt.date(1970, 1, 1)).days


# -- facets and the page ----------------------------------------------------------------------------
def facet_counts(items: ResidentIndex, hits: np.ndarray) -> dict[str, list[tuple]]:
    """Counts per committee, year and outcome of the hits (NULL counted under None, as GROUP BY does): one
    gather and one bincount over the combined code, then the three margins."""
    shape = (len(items.names["committee"]), len(items.years), len(items.names["outcome"]))
    if shape[0] * shape[1] * shape[2] <= MAX_FACET_CELLS:
        cube = np.bincount(items.facet_code[hits], minlength=shape[0] * shape[1] * shape[2]).reshape(shape)
        margins = {"committee": (cube.sum(axis=(1, 2)), items.names["committee"]),
                   "year": (cube.sum(axis=(0, 2)), items.years),
                   "outcome": (cube.sum(axis=(0, 1)), items.names["outcome"])}
    else:  # too many combinations for one small table: a bincount per facet
        margins = {"committee": (np.bincount(items.codes["committee"][hits], minlength=shape[0]), items.names["committee"]),
                   "year": (np.bincount(items.year_code[hits], minlength=shape[1]), items.years),
                   "outcome": (np.bincount(items.codes["outcome"][hits], minlength=shape[2]), items.names["outcome"])}
    return {facet: [(labels[code], int(n)) for code, n in enumerate(counts) if n]
            for facet, (counts, labels) in margins.items()}


def page(items: ResidentIndex, hits: np.ndarray, scores: np.ndarray, sort: str, limit: int, offset: int) -> list[int]:
    """The sids of one page of hits in the SQL path's order, without sorting the whole hit set. Keys are
    functions of the sids they are asked about: after the first key only the tied candidates are looked up."""
    def neg_score(sids):
        return -scores[sids]

    def group(column):
        return lambda sids: column[sids]

    keys = {"relevance": [neg_score, group(items.newest_rank)],
            "date": [group(items.newest_group), neg_score, lambda sids: sids],
            "date_asc": [group(items.oldest_group), neg_score, lambda sids: sids]}[sort]
    return [int(s) for s in smallest(hits, keys, offset + limit)[offset:]]


def smallest(rows: np.ndarray, keys: list, k: int) -> np.ndarray:
    """The k rows that come first under the key tuple (`keys`: functions of rows, most significant first,
    the last one unique), in order. Each key narrows the candidates with a partition (linear time) before the
    final sort of at most k rows."""
    if k < len(rows):
        decided, candidates, need = [], rows, k
        for key in keys:
            if len(candidates) <= need:
                break
            values = key(candidates)
            threshold = np.partition(values, need - 1)[need - 1]
            better = candidates[values < threshold]
            decided.append(better)
            need -= len(better)
            candidates = candidates[values == threshold]
        rows = np.concatenate(decided + [candidates[:need]])
    return rows[np.lexsort([key(rows) for key in keys[::-1]])]
