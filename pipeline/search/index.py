"""The search index: built from the warehouse tables, stored in the warehouse, updated per document.

Tables (all owned by this module):

- `search_items`    one row per agenda item: `sid` (integer row id), ids, the filter and facet columns
                    (municipality, committee, meeting date, year, outcome, document type), the case number and
                    its `case_key` (letters and digits only, so every printed form of it matches).
- `search_pages`    (sid, page, text): the item's text per PDF page (from `item_sections.page_starts`), so a
                    snippet cites the page it comes from. The title is in `search_items`.
- `search_vocab`    (wid, word, df, stem, lemma, skeleton, parts): every surface word of the corpus with its
                    document frequency, Snowball stem, lookup lemma, spelling key (aa/å, oe/ø, ae/æ folded) and
                    the stems of its compound constituents. Everything the query analysis needs is here, so a
                    query is a handful of indexed lookups and never rebuilds tables.
- `search_postings` (wid, sid, impact): which item contains which surface word, with a weight (title 3,
                    decision 1.5, body log(1 + tf)); sorted by wid after a full build.
- `search_meta`     built_at (changes on every build/update; readers key their caches on it) and item count.

`rebuild_index(con)` builds everything from scratch; `update_index(con, doc_ids)` brings the index in line
with the warehouse after an ingest: rows of items that are gone or were replaced are removed, items of new
documents are added, and only the new words are analysed. `index_is_complete(con)` says whether every
agenda item (and nothing else) is indexed.
"""
from __future__ import annotations

import math
import re
import time
from collections import Counter
from dataclasses import dataclass, field

from pipeline.search.text import STOPWORDS, skeleton, tokens
from pipeline.warehouse.bulk import insert_columns, text_array

TABLES = ("search_items", "search_pages", "search_vocab", "search_postings", "search_meta")
TITLE_WEIGHT, DECISION_WEIGHT = 3.0, 1.5
MAX_WORD = 40          # longer "words" (URLs, garbage) are not indexed
BATCH = 5000           # items per build batch (bounded memory)
_STOP = frozenset(STOPWORDS)

SCHEMA = """
CREATE TABLE IF NOT EXISTS search_items (
    sid INTEGER, item_id VARCHAR, meeting_id VARCHAR, doc_id VARCHAR, source_file VARCHAR, number INTEGER,
    position INTEGER, title VARCHAR, closed BOOLEAN, first_page INTEGER, last_page INTEGER, case_number VARCHAR,
    case_key VARCHAR, municipality VARCHAR, committee VARCHAR, document_type VARCHAR, meeting_date DATE,
    year INTEGER, outcome VARCHAR);
CREATE TABLE IF NOT EXISTS search_pages (sid INTEGER, page INTEGER, text VARCHAR);
CREATE TABLE IF NOT EXISTS search_vocab (wid INTEGER, word VARCHAR, df INTEGER, stem VARCHAR, lemma VARCHAR,
    skeleton VARCHAR, parts VARCHAR[]);
CREATE TABLE IF NOT EXISTS search_postings (wid INTEGER, sid INTEGER, impact FLOAT);
CREATE TABLE IF NOT EXISTS search_meta (built_at DOUBLE, items BIGINT);
"""

# A result page reads ten items and their pages by sid: ART indexes make that a few lookups instead of a scan
# of a million rows (at 1M items: 5-10 ms instead of 70-1,500 ms per page of hits).
SID_INDEXES = """
CREATE INDEX IF NOT EXISTS search_items_sid ON search_items (sid);
CREATE INDEX IF NOT EXISTS search_pages_sid ON search_pages (sid);
"""

# One row per agenda item with its sections in order; `{where}` selects which items.
ITEMS_SQL = """
WITH sel AS (SELECT i.item_id FROM agenda_items i WHERE {where}),
sec AS (SELECT s.item_id, list(struct_pack(kind := s.kind, text := s.text, first_page := s.first_page,
                                           page_starts := s.page_starts) ORDER BY s.position) AS sections
        FROM item_sections s JOIN sel USING (item_id) GROUP BY s.item_id)
SELECT i.item_id, i.meeting_id, i.doc_id, i.source_file, i.number, i.position, i.title, i.closed, i.first_page,
       i.last_page, i.case_number, m.municipality, m.committee, m.document_type, m.meeting_date,
       coalesce(d.outcome, 'none') AS outcome, sec.sections
FROM agenda_items i
JOIN sel USING (item_id)
JOIN meetings m USING (meeting_id)
LEFT JOIN decisions d USING (item_id)
LEFT JOIN sec USING (item_id)
ORDER BY m.meeting_date NULLS FIRST, i.source_file, i.position
"""


def case_key(printed: str | None) -> str | None:
    """'22-013125', '22/013125' and '22 013125' share the key '22013125' (letters and digits, lower case)."""
    if not printed:
        return None
    key = re.sub(r"[^0-9a-zæøå]", "", printed.lower())
    return key or None


@dataclass
class _Batch:
    """Rows of the search tables for a batch of items, in column lists ready for one INSERT each."""
    items: dict[str, list] = field(default_factory=lambda: {c: [] for c in ITEM_COLUMNS})
    pages: dict[str, list] = field(default_factory=lambda: {"sid": [], "page": [], "text": []})
    postings: dict[str, list] = field(default_factory=lambda: {"word": [], "sid": [], "impact": []})


ITEM_COLUMNS = {"sid": "INTEGER", "item_id": "VARCHAR", "meeting_id": "VARCHAR", "doc_id": "VARCHAR",
                "source_file": "VARCHAR", "number": "INTEGER", "position": "INTEGER", "title": "VARCHAR",
                "closed": "BOOLEAN", "first_page": "INTEGER", "last_page": "INTEGER", "case_number": "VARCHAR",
                "case_key": "VARCHAR", "municipality": "VARCHAR", "committee": "VARCHAR",
                "document_type": "VARCHAR", "meeting_date": "DATE", "year": "INTEGER", "outcome": "VARCHAR"}


def page_chunks(section: dict, fallback_page: int | None) -> list[tuple[int, str]]:
    """(page, text) pieces of one section, cut at its recorded page starts."""
    text = section["text"] or ""
    first = section["first_page"] or fallback_page or 1
    starts = list(section["page_starts"] or [])
    bounds = [0] + [min(max(0, s), len(text)) for s in starts] + [len(text)]
    out = []
    for k in range(len(bounds) - 1):
        piece = text[bounds[k]:bounds[k + 1]].strip()
        if piece:
            out.append((first + k, piece))
    return out


def _item_rows(row: tuple, sid: int, batch: _Batch) -> None:
    (item_id, meeting_id, doc_id, source_file, number, position, title, closed, first_page, last_page, case_number,
     municipality, committee, document_type, meeting_date, outcome, sections) = row
    values = dict(sid=sid, item_id=item_id, meeting_id=meeting_id, doc_id=doc_id, source_file=source_file,
                  number=number, position=position, title=title, closed=closed, first_page=first_page,
                  last_page=last_page, case_number=case_number, case_key=case_key(case_number),
                  municipality=municipality, committee=committee, document_type=document_type,
                  meeting_date=meeting_date, year=meeting_date.year if meeting_date else None, outcome=outcome)
    for column, value in values.items():
        batch.items[column].append(value)
    pages: dict[int, list[str]] = {}
    title_words = set(tokens(title or ""))
    decision, body = Counter(), Counter()
    for section in sections or []:
        for page, piece in page_chunks(section, first_page):
            pages.setdefault(page, []).append(piece)
        (decision if section["kind"] == "decision" else body).update(tokens(section["text"] or ""))
    for page in sorted(pages):
        batch.pages["sid"].append(sid)
        batch.pages["page"].append(page)
        batch.pages["text"].append("\n".join(pages[page]))
    # the hottest loop of an index build (a posting per distinct word of every item): counts are read with
    # .get, since a Counter's missing key goes through a Python-level __missing__, and the lists are bound once
    words, sids, impacts = batch.postings["word"], batch.postings["sid"], batch.postings["impact"]
    log1p, in_decision, in_body = math.log1p, decision.get, body.get
    for word in title_words | set(decision) | set(body):
        if word in _STOP or len(word) > MAX_WORD:
            continue
        words.append(word)
        sids.append(sid)
        impacts.append((TITLE_WEIGHT if word in title_words else 0.0) + (DECISION_WEIGHT if in_decision(word) else 0.0)
                       + log1p(in_body(word, 0)))


def _add_items(con, where: str, params: list, first_sid: int) -> set[str]:
    """Index the agenda items selected by `where`; returns the surface words they use."""
    words: set[str] = set()
    cur = con.execute(ITEMS_SQL.format(where=where), params)
    sid = first_sid
    while True:
        rows = cur.fetchmany(BATCH)
        if not rows:
            break
        batch = _Batch()
        for row in rows:
            _item_rows(row, sid, batch)
            sid += 1
        insert_columns(con, "search_items", batch.items, ITEM_COLUMNS)
        insert_columns(con, "search_pages", batch.pages, {"sid": "INTEGER", "page": "INTEGER", "text": "VARCHAR"})
        con.execute("CREATE OR REPLACE TEMP TABLE search_new_postings (word VARCHAR, sid INTEGER, impact FLOAT)")
        insert_columns(con, "search_new_postings", batch.postings,
                       {"word": "VARCHAR", "sid": "INTEGER", "impact": "FLOAT"})
        new_words = set(batch.postings["word"]) - words
        words |= new_words
        _add_vocab(con, new_words)
        con.execute("""INSERT INTO search_postings
                       SELECT v.wid, p.sid, p.impact FROM search_new_postings p JOIN search_vocab v USING (word)""")
        con.execute("DROP TABLE search_new_postings")
    return words


def _add_vocab(con, words: set[str]) -> None:
    """Add the words the vocabulary does not have yet, with stem, lemma, spelling key and compound parts."""
    if not words:
        return
    array, argument = text_array(sorted(words))
    known = {r[0] for r in con.execute(f"SELECT word FROM search_vocab WHERE word IN (SELECT unnest({array}))",
                                       [argument]).fetchall()}
    new = sorted(words - known)
    if not new:
        return
    from pipeline.search.compounds import CompoundSplitter
    from pipeline.search.inflections import lemma_table, lexicon, stems

    table = lemma_table()
    stem_of = stems(con, new)
    vocab_freq = dict(con.execute("SELECT word, df FROM search_vocab").fetchall())
    vocab_freq.update({w: 1 for w in new})
    all_stems = {r[0] for r in con.execute("SELECT DISTINCT stem FROM search_vocab").fetchall()} | set(stem_of.values())
    splitter = CompoundSplitter(vocab_freq, stems=all_stems, lexicon=lexicon())
    part_words = {}
    for word in new:
        parts = splitter.split(word) if word.isalpha() else ()
        if parts:
            part_words[word] = sorted(_constituents(word, parts))
    span_stems = stems(con, sorted({s for spans in part_words.values() for s in spans}))
    start = con.execute("SELECT coalesce(max(wid), 0) + 1 FROM search_vocab").fetchone()[0]
    columns = {"wid": list(range(start, start + len(new))), "word": new, "df": [0] * len(new),
               "stem": [stem_of[w] for w in new], "lemma": [table.lemma(w) for w in new],
               "skeleton": [skeleton(w) for w in new],
               "parts": [sorted({span_stems[s] for s in part_words.get(w, ())}) for w in new]}
    insert_columns(con, "search_vocab", columns, {"wid": "INTEGER", "word": "VARCHAR", "df": "INTEGER", "stem": "VARCHAR",
                                           "lemma": "VARCHAR", "skeleton": "VARCHAR", "parts": "VARCHAR[]"})


def _constituents(word: str, parts: tuple[str, ...]) -> set[str]:
    """Each part and each run of adjacent parts of a compound, as written in the word itself
    ("lokal|plan|forslaget" -> lokalplan, planforslaget, ...; linking letters kept inside runs)."""
    bounds, pos = [0], 0
    for part in parts[:-1]:
        stem = part[:max(3, len(part) - 1)]  # a part may be written without its final e ("skol-e")
        at = word.find(stem, pos)
        if at < 0:
            return set(parts)
        pos = at + len(stem)
        # the part ends where the next part begins: skip the rest of this part and a linking s/e
        nxt = parts[parts.index(part) + 1][:3]
        end = word.find(nxt, pos)
        if end < 0:
            return set(parts)
        bounds.append(end)
        pos = end
    bounds.append(len(word))
    runs = {word[bounds[i]:bounds[j]] for i in range(len(bounds)) for j in range(i + 1, len(bounds))}
    return (runs | set(parts)) - {word}


def _touch_meta(con) -> None:
    con.execute("DELETE FROM search_meta")
    con.execute("INSERT INTO search_meta SELECT ?, (SELECT count(*) FROM search_items)", [time.time()])


def rebuild_index(con) -> None:
    """(Re)build every search table from the warehouse tables, in one transaction. Idempotent."""
    con.execute("SET enable_progress_bar = false")
    con.execute("BEGIN")
    try:
        _build(con)
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise


def _build(con) -> None:
    for table in TABLES:
        con.execute(f"DROP TABLE IF EXISTS {table}")
    con.execute(SCHEMA)
    _add_items(con, "TRUE", [], 1)
    _refresh_df(con)
    # sorted by word id: a query reads only the row groups of its words (zone maps)
    con.execute("CREATE OR REPLACE TABLE search_postings AS SELECT * FROM search_postings ORDER BY wid, sid")
    con.execute(SID_INDEXES)
    _touch_meta(con)
    from pipeline.warehouse.documents import refresh_document_search

    refresh_document_search(con)  # non-minutes documents (attachments, notes): their own table and FTS index


def _refresh_df(con) -> None:
    """Recompute every word's document frequency from the postings (full build)."""
    con.execute("""UPDATE search_vocab SET df = c.n FROM
                   (SELECT wid, count(*)::INTEGER AS n FROM search_postings GROUP BY wid) c
                   WHERE search_vocab.wid = c.wid""")


def update_index(con, doc_ids=None) -> dict:
    """Bring the index in line with the warehouse after an ingest, touching only what changed.

    Removes the rows of items that are no longer in `agenda_items` or now belong to another document (a
    replaced version), and indexes every agenda item that has no row yet (the new documents' items). `doc_ids`
    (the documents the ingest added or replaced) are re-indexed even when their item ids are unchanged.
    Builds the whole index when there is none. Returns counts {removed, added}.
    """
    if not index_exists(con):
        rebuild_index(con)
        return {"removed": 0, "added": con.execute("SELECT count(*) FROM search_items").fetchone()[0], "rebuilt": True}
    con.execute("SET enable_progress_bar = false")
    doc_ids = sorted(set(doc_ids or ()))
    con.execute("BEGIN")
    try:
        con.execute(SID_INDEXES)  # an index built before they existed gets them here
        stale = [r[0] for r in con.execute("""
            SELECT si.sid FROM search_items si
            LEFT JOIN agenda_items i ON i.item_id = si.item_id AND i.doc_id = si.doc_id
            WHERE i.item_id IS NULL OR si.doc_id IN (SELECT unnest(?::VARCHAR[]))""", [doc_ids]).fetchall()]
        # document frequencies change by what is removed and added (a delta: no pass over all postings)
        con.execute("CREATE OR REPLACE TEMP TABLE search_df_delta (wid INTEGER, d INTEGER)")
        if stale:
            con.execute("CREATE OR REPLACE TEMP TABLE search_stale AS SELECT unnest(?::INTEGER[]) AS sid", [stale])
            con.execute("""INSERT INTO search_df_delta SELECT wid, -count(*) FROM search_postings
                           WHERE sid IN (SELECT sid FROM search_stale) GROUP BY wid""")
            for table in ("search_postings", "search_pages", "search_items"):
                con.execute(f"DELETE FROM {table} WHERE sid IN (SELECT sid FROM search_stale)")
            con.execute("DROP TABLE search_stale")
        first_sid = con.execute("SELECT coalesce(max(sid), 0) + 1 FROM search_items").fetchone()[0]
        _add_items(con, "NOT EXISTS (SELECT 1 FROM search_items si WHERE si.item_id = i.item_id)", [], first_sid)
        added = con.execute("SELECT count(*) FROM search_items WHERE sid >= ?", [first_sid]).fetchone()[0]
        con.execute("""INSERT INTO search_df_delta SELECT wid, count(*) FROM search_postings
                       WHERE sid >= ? GROUP BY wid""", [first_sid])
        con.execute("""UPDATE search_vocab SET df = search_vocab.df + c.d FROM
                       (SELECT wid, sum(d)::INTEGER AS d FROM search_df_delta GROUP BY wid) c
                       WHERE search_vocab.wid = c.wid""")
        con.execute("DROP TABLE search_df_delta")
        _touch_meta(con)
        from pipeline.warehouse.documents import refresh_document_search

        refresh_document_search(con, doc_ids)
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return {"removed": len(stale), "added": added, "rebuilt": False}


def index_exists(con) -> bool:
    """Are all search tables present (built by this version)?"""
    names = {r[0] for r in con.execute("""SELECT table_name FROM duckdb_tables()
                                          WHERE schema_name = 'main' AND table_name LIKE 'search_%'""").fetchall()}
    if not set(TABLES) <= names:
        return False
    columns = {r[0] for r in con.execute("SELECT column_name FROM duckdb_columns() WHERE table_name = 'search_vocab'").fetchall()}
    return "parts" in columns and "lemma" in columns


def index_is_complete(con) -> bool:
    """True when every agenda item is indexed under its current document and nothing else is."""
    if not index_exists(con):
        return False
    missing, orphans = con.execute("""
        SELECT (SELECT count(*) FROM agenda_items i WHERE NOT EXISTS
                    (SELECT 1 FROM search_items si WHERE si.item_id = i.item_id AND si.doc_id = i.doc_id)),
               (SELECT count(*) FROM search_items si WHERE NOT EXISTS
                    (SELECT 1 FROM agenda_items i WHERE si.item_id = i.item_id AND si.doc_id = i.doc_id))""").fetchone()
    return missing == 0 and orphans == 0
