"""Full-text index over agenda items: one search row per item, DuckDB FTS (Danish) plus an impact table.

Layout (all rebuilt from scratch by `rebuild_index`, so it is idempotent):

- `search_items`     one row per agenda item: ids, filter columns (municipality, committee, date, outcome,
                     document type, case number), `title`, `decision`, `body` (all non-decision sections),
                     `norm` (spelling-folded forms and compound parts of the item's words) and `fulltext`
                     (lower-cased, for phrase checks); `title_norm` is the same as `norm` for the title.
- `fts_main_search_items`  DuckDB's FTS index over title/decision/body/norm with stemmer 'danish', our
                     Danish stop words, strip_accents=0 and an ignore pattern that keeps æøå and digits.
                     Used as is (`match_bm25`) by the plain BM25 baseline.
- `search_postings`  (termid, sid, impact, rnk): the BM25 term-frequency part with field weights folded in
                     (title 3, title_norm 2, decision 1.5, body 1, norm 0.6), sorted by termid so a query reads only
                     its terms' row groups; `rnk` orders a term's postings by impact so long lists can
                     be cut to their best PRUNE_AT entries (a tiered index). Score = sum over query terms
                     of weight * idf * impact.
- `search_terms`     (termid, term, df, idf) - index vocabulary after stemming.
- `search_vocab`     (word, freq, stem, skeleton, parts) - surface words of the corpus; the query side
                     uses it for inflections, spelling folding, compounds and typo correction.
"""
from __future__ import annotations

import time

from pipeline.search.compounds import CompoundSplitter
from pipeline.search.text import IGNORE_PATTERN, STOPWORDS, skeleton

FIELD_WEIGHTS = {"title": 3.0, "decision": 1.5, "body": 1.0, "norm": 0.6, "title_norm": 2.0}
BM25_K1 = 1.2
BM25_B = 0.75
WORD_SQL = r"[a-z0-9æøåäöüéè]+"

ITEMS_SQL = """
CREATE OR REPLACE TABLE search_items AS
WITH body AS (
    SELECT item_id,
           string_agg(CASE WHEN kind <> 'decision' THEN text END, chr(10) ORDER BY position) AS body,
           string_agg(CASE WHEN kind = 'decision' THEN text END, chr(10) ORDER BY position) AS decision_sections
    FROM item_sections GROUP BY item_id
)
SELECT CAST(row_number() OVER (ORDER BY m.meeting_date NULLS FIRST, i.source_file, i.position) AS INTEGER) AS sid,
       i.item_id, i.meeting_id, i.doc_id, i.source_file, i.number, i.position, i.title, i.closed,
       i.first_page, i.last_page, i.case_number, i.kle_group,
       m.municipality, m.committee, m.document_type, m.meeting_date,
       coalesce(d.outcome, 'none') AS outcome,
       coalesce(nullif(d.text, ''), b.decision_sections, '') AS decision,
       coalesce(b.body, '') AS body,
       CAST('' AS VARCHAR) AS norm,
       CAST('' AS VARCHAR) AS title_norm
FROM agenda_items i
JOIN meetings m USING (meeting_id)
LEFT JOIN decisions d USING (item_id)
LEFT JOIN body b USING (item_id)
"""


def rebuild_index(con) -> None:
    """(Re)build the search tables and the FTS index from the warehouse tables. Idempotent."""
    from pipeline.warehouse.db import load_fts

    load_fts(con)
    con.execute("SET enable_progress_bar = false")
    con.execute("BEGIN")
    try:
        _build(con)
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise


def _build(con) -> None:
    con.execute(ITEMS_SQL)
    con.execute("ALTER TABLE search_items ADD COLUMN fulltext VARCHAR")
    con.execute(r"UPDATE search_items SET fulltext = regexp_replace(lower(concat_ws(' ', title, decision, body)), '\s+', ' ', 'g')")

    # Surface vocabulary of the corpus with frequencies.
    vocab_rows = con.execute(f"""
        SELECT word, count(*)::INTEGER AS freq
        FROM (SELECT unnest(regexp_extract_all(fulltext, '{WORD_SQL}')) AS word FROM search_items)
        GROUP BY word""").fetchall()
    vocab = {w: f for w, f in vocab_rows}
    stems = {r[0] for r in con.execute("SELECT DISTINCT stem(w, 'danish') FROM (SELECT unnest(?::VARCHAR[]) AS w)",
                                        [list(vocab)]).fetchall()}
    from pipeline.search.inflections import lexicon

    splitter = CompoundSplitter(vocab, stems=stems, lexicon=lexicon())
    words, freqs, skels, parts_col = [], [], [], []
    extra_words, extra_values = [], []
    for word, freq in vocab.items():
        parts = splitter.split(word) if word.isalpha() else ()
        skel = skeleton(word)
        words.append(word)
        freqs.append(freq)
        skels.append(skel)
        parts_col.append(list(parts))
        extras = list(parts)
        if skel != word:
            extras.append(skel)
        extras += [skeleton(p) for p in parts if skeleton(p) != p]
        if extras:
            extra_words.append(word)
            extra_values.append(" ".join(extras))

    con.execute("""CREATE OR REPLACE TABLE search_vocab AS
                   SELECT w AS word, f AS freq, stem(w, 'danish') AS stem, s AS skeleton, p AS parts
                   FROM (SELECT unnest(?::VARCHAR[]) AS w, unnest(?::INTEGER[]) AS f,
                                unnest(?::VARCHAR[]) AS s, unnest(?::VARCHAR[][]) AS p)""",
                [words, freqs, skels, parts_col])
    con.execute("""CREATE OR REPLACE TEMP TABLE search_extras AS
                   SELECT unnest(?::VARCHAR[]) AS word, unnest(?::VARCHAR[]) AS extra""",
                [extra_words, extra_values])
    # Normalised column: folded spellings and compound parts of every word the item uses (once each).
    con.execute(f"""
        UPDATE search_items SET norm = n.norm
        FROM (SELECT sid, string_agg(extra, ' ') AS norm
              FROM (SELECT DISTINCT sid, unnest(regexp_extract_all(fulltext, '{WORD_SQL}')) AS word FROM search_items)
              JOIN search_extras USING (word)
              GROUP BY sid) n
        WHERE search_items.sid = n.sid""")
    con.execute(f"""
        UPDATE search_items SET title_norm = n.norm
        FROM (SELECT sid, string_agg(extra, ' ') AS norm
              FROM (SELECT DISTINCT sid, unnest(regexp_extract_all(lower(title), '{WORD_SQL}')) AS word FROM search_items)
              JOIN search_extras USING (word)
              GROUP BY sid) n
        WHERE search_items.sid = n.sid""")
    con.execute("DROP TABLE search_extras")

    con.execute("CREATE OR REPLACE TABLE search_stopwords (sw VARCHAR)")
    con.execute("INSERT INTO search_stopwords SELECT unnest(?::VARCHAR[])", [STOPWORDS])
    con.execute(f"""PRAGMA create_fts_index('search_items', 'sid', 'title', 'decision', 'body', 'norm', 'title_norm',
                    stemmer='danish', stopwords='search_stopwords', ignore='{IGNORE_PATTERN}',
                    strip_accents=0, lower=1, overwrite=1)""")

    # Impact-ordered postings with BM25 tf-normalisation and field weights folded in.
    weights = ", ".join(f"('{f}', {w})" for f, w in FIELD_WEIGHTS.items())
    con.execute(f"""
        CREATE OR REPLACE TABLE search_postings AS
        WITH fw(field, weight) AS (VALUES {weights}),
        tf AS (SELECT t.termid, d.name AS sid, f.field, count(*) AS tf
               FROM fts_main_search_items.terms t
               JOIN fts_main_search_items.docs d USING (docid)
               JOIN fts_main_search_items.fields f USING (fieldid)
               GROUP BY ALL),
        flen AS (SELECT d.name AS sid, f.field, count(*) AS len
                 FROM fts_main_search_items.terms t
                 JOIN fts_main_search_items.docs d USING (docid)
                 JOIN fts_main_search_items.fields f USING (fieldid)
                 GROUP BY ALL),
        favg AS (SELECT field, sum(len) / (SELECT count(*) FROM search_items) AS avglen FROM flen GROUP BY field)
        , imp AS (
            SELECT tf.termid::INTEGER AS termid, tf.sid::INTEGER AS sid,
                   sum(fw.weight * tf.tf * ({BM25_K1} + 1)
                       / (tf.tf + {BM25_K1} * (1 - {BM25_B} + {BM25_B} * flen.len / favg.avglen)))::FLOAT AS impact
            FROM tf JOIN flen USING (sid, field) JOIN favg USING (field) JOIN fw USING (field)
            GROUP BY ALL)
        SELECT termid, sid, impact,
               CAST(row_number() OVER (PARTITION BY termid ORDER BY impact DESC, sid DESC) AS INTEGER) AS rnk
        FROM imp
        ORDER BY termid, rnk""")
    con.execute("""
        CREATE OR REPLACE TABLE search_terms AS
        WITH df AS (SELECT termid, count(*) AS df FROM search_postings GROUP BY termid),
             n AS (SELECT count(*) AS n FROM search_items)
        SELECT d.termid::INTEGER AS termid, d.term, df.df::INTEGER AS df,
               ln(1 + (n.n - df.df + 0.5) / (df.df + 0.5))::FLOAT AS idf
        FROM fts_main_search_items.dict d JOIN df USING (termid), n
        ORDER BY d.term""")
    con.execute("CREATE OR REPLACE TABLE search_meta AS SELECT ?::DOUBLE AS built_at, (SELECT count(*) FROM search_items) AS items",
                [time.time()])
    from pipeline.warehouse.documents import build_document_search

    build_document_search(con)  # non-minutes documents (attachments, notes): their own table and FTS index


def index_exists(con) -> bool:
    row = con.execute("""SELECT count(*) FROM duckdb_tables()
                         WHERE table_name IN ('search_items', 'search_postings', 'search_terms', 'search_vocab', 'search_meta')
                           AND schema_name = 'main'""").fetchone()
    return row[0] == 5
