"""Documents that are not minutes (attachments, notes, terms of reference): text, links to items, search.

They create no meeting and no items. Their text is kept page by page in `document_pages`; they are linked
to every agenda item whose attachment list names them (`document_links`, rapidfuzz on the document's
title), and `search_documents` holds one row per such document for full-text search.
"""
from __future__ import annotations

import duckdb
from rapidfuzz import fuzz, process, utils

from pipeline.model import ExtractedDocument
from pipeline.warehouse.lookups import Lookup

LINK_SCORE = 90  # rapidfuzz token_sort_ratio between a document title and an attachment title


def store_pages(con: duckdb.DuckDBPyConnection, doc_id: str, doc: ExtractedDocument) -> None:
    """One row per page with the page's printed text (running headers/footers left out)."""
    from pipeline.warehouse.bulk import insert_rows

    insert_rows(con, "document_pages", [[doc_id, page.number, "\n".join(line.text for line in page.lines)]
                                        for page in doc.pages])


def _best_links(titles: list[tuple[str, str]], attachments: list[tuple[str, str]]) -> list[list]:
    """[doc_id, item_id, attachment title, score] for every attachment naming one of the documents."""
    rows = []
    choices = {doc_id: utils.default_process(title) for doc_id, title in titles if title}
    for item_id, attachment in attachments:
        best = process.extractOne(utils.default_process(attachment), choices, scorer=fuzz.token_sort_ratio,
                                  score_cutoff=LINK_SCORE) if choices else None
        if best:
            rows.append([best[2], item_id, attachment, float(best[1])])
    return rows


def link_document(con: duckdb.DuckDBPyConnection, doc_id: str, title: str | None) -> int:
    """Link a newly stored document to every item whose attachment list names it."""
    if not title:
        return 0
    attachments = con.execute("SELECT item_id, title FROM attachments").fetchall()
    return _insert_links(con, _best_links([(doc_id, title)], attachments))


# the stored documents an attachment title can name: (doc_id, title) of every titled non-minutes document
LINKABLE_TITLES = Lookup("linkable_titles", "SELECT doc_id, title FROM documents "
                                            "WHERE doc_class NOT IN ('referat', 'dagsorden') AND title IS NOT NULL",
                         columns=2)


def link_meeting(con: duckdb.DuckDBPyConnection, meeting_id: str, titles: list[tuple[str, str]]) -> int:
    """Link a (re)loaded meeting's attachment titles to the stored non-minutes documents they name; `titles` is
    the answer to LINKABLE_TITLES, which the caller asks along with its own lookups."""
    if not titles:
        return 0
    attachments = con.execute("SELECT a.item_id, a.title FROM attachments a JOIN agenda_items i USING (item_id) "
                              "WHERE i.meeting_id = ?", [meeting_id]).fetchall()
    return _insert_links(con, _best_links(titles, attachments))


def _insert_links(con: duckdb.DuckDBPyConnection, rows: list[list]) -> int:
    from pipeline.warehouse.bulk import insert_rows

    insert_rows(con, "document_links", rows, "ON CONFLICT DO NOTHING")
    return len(rows)


DOCUMENT_SEARCH_SQL = """
CREATE OR REPLACE TABLE search_documents AS
SELECT d.doc_id, d.doc_class, d.title, d.source_file,
       string_agg(p.text, chr(10) ORDER BY p.page) AS text
FROM documents d JOIN document_pages p USING (doc_id)
WHERE d.doc_class NOT IN ('referat', 'dagsorden')
GROUP BY ALL
"""


def build_document_search(con: duckdb.DuckDBPyConnection) -> None:
    """(Re)build `search_documents` and its DuckDB FTS index (Danish stemmer). Called by the search index build."""
    from pipeline.search.text import IGNORE_PATTERN, STOPWORDS
    from pipeline.warehouse.db import load_fts

    con.execute(DOCUMENT_SEARCH_SQL)
    if not con.execute("SELECT count(*) FROM search_documents").fetchone()[0]:
        return
    load_fts(con)  # from the wheel: DuckDB would otherwise try to download it
    con.execute("CREATE OR REPLACE TABLE search_documents_stopwords (sw VARCHAR)")
    con.execute("INSERT INTO search_documents_stopwords SELECT unnest(?::VARCHAR[])", [STOPWORDS])
    con.execute(f"""PRAGMA create_fts_index('search_documents', 'doc_id', 'title', 'text', stemmer='danish',
                    stopwords='search_documents_stopwords', ignore='{IGNORE_PATTERN}', strip_accents=0, lower=1,
                    overwrite=1)""")


def refresh_document_search(con: duckdb.DuckDBPyConnection, doc_ids: list[str] | None = None) -> None:
    """Rebuild the document search when `doc_ids` (None: a full build) brought a non-minutes document, or when
    it is missing: an ingest of minutes only leaves it alone."""
    exists = con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'search_documents'").fetchone()[0]
    if doc_ids is not None and exists and not con.execute(
            """SELECT count(*) FROM documents WHERE doc_id IN (SELECT unnest(?::VARCHAR[]))
               AND doc_class NOT IN ('referat', 'dagsorden')""", [list(doc_ids)]).fetchone()[0]:
        return
    build_document_search(con)


def document_count(con: duckdb.DuckDBPyConnection) -> int:
    """How many non-minutes documents the document search covers (0 when it has no table yet)."""
    exists = con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'search_documents'").fetchone()[0]
    return con.execute("SELECT count(*) FROM search_documents").fetchone()[0] if exists else 0


def search_documents(con: duckdb.DuckDBPyConnection, query: str, limit: int = 20) -> list[dict]:
    """Non-minutes documents matching `query` (BM25), with the items that list them as attachments."""
    from pipeline.warehouse.db import load_fts

    load_fts(con)
    if not document_count(con):
        return []
    cursor = con.execute("""
        SELECT s.doc_id, s.doc_class, s.title, s.source_file, s.score,
               list(DISTINCT l.item_id) FILTER (WHERE l.item_id IS NOT NULL) AS item_ids
        FROM (SELECT *, fts_main_search_documents.match_bm25(doc_id, ?) AS score FROM search_documents) s
        LEFT JOIN document_links l USING (doc_id)
        WHERE s.score IS NOT NULL
        GROUP BY ALL ORDER BY s.score DESC LIMIT ?""", [query, limit])
    names = [d[0] for d in cursor.description]
    hits = [dict(zip(names, row)) for row in cursor.fetchall()]
    for hit in hits:
        hit["page"], hit["snippet"] = _cited_page(con, hit["doc_id"], query)
    return hits


SNIPPET_CHARS = 80  # of text on each side of the word a document hit cites


def _cited_page(con: duckdb.DuckDBPyConnection, doc_id: str, query: str) -> tuple[int | None, str]:
    """The first page whose text contains one of the query's words as typed, and the text around that word
    ((None, "") when only a stemmed form matched): what a citation of the document points at."""
    words = [w.lower() for w in query.replace('"', " ").split() if len(w) >= 3][:10]
    if not words:
        return None, ""
    row = con.execute("""SELECT page, text FROM document_pages
                         WHERE doc_id = ? AND len(list_filter(?::VARCHAR[], w -> contains(lower(text), w))) > 0
                         ORDER BY page LIMIT 1""", [doc_id, words]).fetchone()
    if not row:
        return None, ""
    page, text = row
    at = min((i for i in (text.lower().find(w) for w in words) if i >= 0), default=0)
    snippet = " ".join(text[max(0, at - SNIPPET_CHARS):at + SNIPPET_CHARS].split())
    return page, snippet
