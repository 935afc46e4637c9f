-- Minutes warehouse schema (DuckDB). Documented column by column in README.md.
-- Foreign keys are logical (documented in README and checked by `minutes check`): DuckDB cannot
-- delete a parent and re-insert it inside one transaction while an enforced FK points at it,
-- and per-document replace-in-one-transaction matters more here.
-- Every statement is idempotent: the schema is applied on every connection that writes.

CREATE TABLE IF NOT EXISTS documents (
    doc_id              VARCHAR PRIMARY KEY,      -- sha256 of the file's bytes
    source_file         VARCHAR NOT NULL,         -- file name
    source_path         VARCHAR NOT NULL,         -- path it was ingested from
    size_bytes          BIGINT,
    pages               INTEGER,
    pages_without_text  INTEGER[],
    engine              VARCHAR,
    status              VARCHAR NOT NULL,         -- 'parsed' | 'parsed_with_warnings'
    ingested_at         TIMESTAMP NOT NULL
);
-- Added columns (ALTER, so warehouses built before them get them too, in the same order).
ALTER TABLE documents ADD COLUMN IF NOT EXISTS doc_class VARCHAR;  -- referat | dagsorden | bilag | notat | kommissorium | andet
ALTER TABLE documents ADD COLUMN IF NOT EXISTS channel VARCHAR;    -- pdf | portal_json
ALTER TABLE documents ADD COLUMN IF NOT EXISTS title VARCHAR;      -- printed title of a non-minutes document
ALTER TABLE documents ADD COLUMN IF NOT EXISTS ocr_pages INTEGER[];            -- pages read by OCR (no text layer)
ALTER TABLE documents ADD COLUMN IF NOT EXISTS ocr_page_confidence DOUBLE[];   -- their mean word confidence 0-100, aligned with ocr_pages
ALTER TABLE documents ADD COLUMN IF NOT EXISTS ocr_mean_confidence DOUBLE;     -- mean over the OCR'd pages

CREATE TABLE IF NOT EXISTS meetings (
    meeting_id     VARCHAR PRIMARY KEY,
    doc_id         VARCHAR NOT NULL,
    source_file    VARCHAR NOT NULL,
    municipality   VARCHAR,
    committee      VARCHAR,
    document_type  VARCHAR NOT NULL,              -- 'referat' | 'dagsorden'
    meeting_date   DATE,
    start_time     VARCHAR,                       -- HH:MM
    end_time       VARCHAR,
    location       VARCHAR
);

CREATE TABLE IF NOT EXISTS agenda_items (
    item_id         VARCHAR PRIMARY KEY,
    meeting_id      VARCHAR NOT NULL,
    doc_id          VARCHAR NOT NULL,
    source_file     VARCHAR NOT NULL,
    position        INTEGER NOT NULL,            -- order in the document, 0-based
    number          INTEGER,                     -- item number as printed
    title           VARCHAR NOT NULL,
    closed          BOOLEAN NOT NULL,
    first_page      INTEGER,
    last_page       INTEGER,
    recommendation  VARCHAR,
    case_number     VARCHAR,                     -- as printed
    case_scheme     VARCHAR,                     -- kle | emn | year-serial | slash | other
    kle_main_group  VARCHAR,                     -- '27'
    kle_group       VARCHAR,                     -- '27.00'
    kle_subject     VARCHAR,                     -- '27.00.00'
    kle_facet       VARCHAR,                     -- 'A00'
    case_serial     VARCHAR,
    case_year       VARCHAR
);

CREATE TABLE IF NOT EXISTS item_sections (
    item_id     VARCHAR NOT NULL,
    position    INTEGER NOT NULL,
    heading     VARCHAR NOT NULL,
    kind        VARCHAR NOT NULL,
    text        VARCHAR NOT NULL,
    first_page  INTEGER,
    last_page   INTEGER,
    PRIMARY KEY (item_id, position)
);
-- character offsets in `text` where each page after first_page begins (search cites the snippet's page)
ALTER TABLE item_sections ADD COLUMN IF NOT EXISTS page_starts INTEGER[];

CREATE TABLE IF NOT EXISTS decisions (
    item_id                       VARCHAR PRIMARY KEY,
    text                          VARCHAR,
    outcome                       VARCHAR NOT NULL,
    votes_for                     VARCHAR[],
    votes_against                 VARCHAR[],
    votes_abstain                 VARCHAR[],
    deviates_from_recommendation  BOOLEAN,           -- NULL: no recommendation, or noted/discussed/other/none
    heading                       VARCHAR,
    page                          INTEGER,
    voter_parties                 MAP(VARCHAR, VARCHAR),  -- named member in votes_* -> party letter
    votes_for_count               INTEGER,           -- counts as printed ("med stemmerne 11 for og 8 imod")
    votes_against_count           INTEGER,
    votes_abstain_count           INTEGER
);
-- warehouses made before decisions could leave deviation open or carry counts
ALTER TABLE decisions ALTER COLUMN deviates_from_recommendation DROP NOT NULL;
ALTER TABLE decisions ADD COLUMN IF NOT EXISTS voter_parties MAP(VARCHAR, VARCHAR);
ALTER TABLE decisions ADD COLUMN IF NOT EXISTS votes_for_count INTEGER;
ALTER TABLE decisions ADD COLUMN IF NOT EXISTS votes_against_count INTEGER;
ALTER TABLE decisions ADD COLUMN IF NOT EXISTS votes_abstain_count INTEGER;

CREATE TABLE IF NOT EXISTS decision_notes (
    item_id   VARCHAR NOT NULL,
    position  INTEGER NOT NULL,
    kind      VARCHAR NOT NULL,                  -- 'protokollat' | 'mindretalsudtalelse' | 'forbehold' | 'bemaerkning'
    text      VARCHAR NOT NULL,
    PRIMARY KEY (item_id, position)
);

CREATE TABLE IF NOT EXISTS attachments (
    item_id   VARCHAR NOT NULL,
    position  INTEGER NOT NULL,
    title     VARCHAR NOT NULL,
    PRIMARY KEY (item_id, position)
);

CREATE TABLE IF NOT EXISTS members (
    member_id  VARCHAR PRIMARY KEY,
    name       VARCHAR NOT NULL,                 -- canonical spelling (first seen)
    spellings  VARCHAR[] NOT NULL
);

CREATE TABLE IF NOT EXISTS meeting_members (
    meeting_id  VARCHAR NOT NULL,
    position    INTEGER NOT NULL,
    name        VARCHAR NOT NULL,                -- as printed
    member_id   VARCHAR,
    PRIMARY KEY (meeting_id, position)
);

CREATE TABLE IF NOT EXISTS meeting_absences (
    meeting_id  VARCHAR NOT NULL,
    position    INTEGER NOT NULL,
    name        VARCHAR NOT NULL,
    note        VARCHAR,                         -- printed qualifier, e.g. 'deltog ved punkterne 82, 88 og 89'
    PRIMARY KEY (meeting_id, position)
);

CREATE TABLE IF NOT EXISTS meeting_substitutes (
    meeting_id      VARCHAR NOT NULL,
    name            VARCHAR NOT NULL,            -- the substitute who attended
    substitute_for  VARCHAR NOT NULL,            -- the member they replaced
    PRIMARY KEY (meeting_id, name)
);

CREATE TABLE IF NOT EXISTS attendance (
    meeting_id  VARCHAR NOT NULL,
    item_id     VARCHAR NOT NULL,
    name        VARCHAR NOT NULL,
    member_id   VARCHAR,
    status      VARCHAR NOT NULL,                -- 'present' | 'absent'
    PRIMARY KEY (item_id, name)
);

CREATE TABLE IF NOT EXISTS parse_warnings (
    doc_id       VARCHAR NOT NULL,
    source_file  VARCHAR NOT NULL,
    position     INTEGER NOT NULL,
    code         VARCHAR NOT NULL,
    message      VARCHAR NOT NULL,
    item_number  INTEGER,
    page         INTEGER,
    PRIMARY KEY (doc_id, position)
);

CREATE TABLE IF NOT EXISTS ingest_errors (
    source_path  VARCHAR NOT NULL,
    source_file  VARCHAR NOT NULL,
    sha256       VARCHAR,
    reason       VARCHAR NOT NULL,               -- not_pdf | empty | truncated | encrypted | no_text_layer | parse_failed
    detail       VARCHAR,
    occurred_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (source_path)
);

-- Older versions replaced by a newer file of the same path or meeting; ingest skips their bytes.
CREATE TABLE IF NOT EXISTS superseded_documents (
    doc_id         VARCHAR PRIMARY KEY,          -- sha256 of the replaced file
    source_path    VARCHAR NOT NULL,
    superseded_by  VARCHAR NOT NULL,             -- doc_id of the document that replaced it
    superseded_at  TIMESTAMP NOT NULL
);

-- Every file that describes a meeting is a version of it (agenda, minutes, corrected re-publication,
-- supplementary agenda, portal data). One live version is current; none is ever deleted.
CREATE TABLE IF NOT EXISTS document_versions (
    doc_id         VARCHAR PRIMARY KEY,          -- the file (documents.doc_id while not superseded)
    meeting_id     VARCHAR NOT NULL,
    channel        VARCHAR NOT NULL,             -- 'pdf' | 'portal_json'
    document_type  VARCHAR NOT NULL,             -- 'referat' | 'dagsorden'
    supplement     BOOLEAN NOT NULL,             -- a tillægsdagsorden (adds items; never current)
    marker         VARCHAR,                      -- 'ekstraordinær' or 'nr 7' as printed at the head
    source_path    VARCHAR NOT NULL,
    source_file    VARCHAR NOT NULL,
    first_seen     TIMESTAMP NOT NULL,
    status         VARCHAR NOT NULL,             -- 'current' | 'source' | 'superseded'
    superseded_by  VARCHAR,                      -- doc_id of the newer file
    changes        JSON                          -- what differs from the version it replaced / the current one
);

-- The parsed meeting of each version (all fields and items), one row per document_versions row, written with it
-- and never changed. Kept apart because DuckDB 1.5 commits a ~100 kB row into a table with an index (the primary
-- key above) ~20x slower than into one without (~20 ms instead of ~1 ms, once the table has been checkpointed;
-- fixed upstream in DuckDB 2.0, whose wheels have no full-text extension yet). No index here, then: it is read by
-- doc_id only when a meeting gets another version.
CREATE TABLE IF NOT EXISTS version_contents (
    doc_id         VARCHAR NOT NULL,             -- document_versions.doc_id
    content        JSON NOT NULL                 -- the parsed meeting of this file (all fields and items)
);

-- Every change of what a meeting shows: a new version, agenda -> minutes, a source added, a file replaced.
CREATE TABLE IF NOT EXISTS meeting_events (
    batch_id         INTEGER NOT NULL,           -- ingest_batches.batch_id (0 outside an ingest run)
    occurred_at      TIMESTAMP NOT NULL,
    kind             VARCHAR NOT NULL,           -- new_version | agenda_to_minutes | channel_preferred | current_changed | source_added | replaced_at_path | meeting_removed | ambiguous_identity | not_minutes
    meeting_id       VARCHAR,
    doc_id           VARCHAR,                    -- the file that caused it
    replaced_doc_id  VARCHAR,                    -- the file it replaced (as current or for good)
    summary          VARCHAR NOT NULL,
    changes          JSON
);

-- One row per ingest run (`minutes ingest`, a nightly run): events are stamped with it.
CREATE TABLE IF NOT EXISTS ingest_batches (
    batch_id    INTEGER PRIMARY KEY,
    started_at  TIMESTAMP NOT NULL
);

-- Text of documents that are not minutes (attachments, notes, terms of reference), page by page.
CREATE TABLE IF NOT EXISTS document_pages (
    doc_id  VARCHAR NOT NULL,
    page    INTEGER NOT NULL,                    -- 1-based
    text    VARCHAR NOT NULL,
    PRIMARY KEY (doc_id, page)
);

-- A non-minutes document linked to the agenda item whose attachment list names it.
CREATE TABLE IF NOT EXISTS document_links (
    doc_id            VARCHAR NOT NULL,
    item_id           VARCHAR NOT NULL,
    attachment_title  VARCHAR NOT NULL,          -- the attachment title as printed under the item
    score             DOUBLE NOT NULL,           -- rapidfuzz token_sort_ratio of title and attachment title
    PRIMARY KEY (doc_id, item_id)
);

CREATE TABLE IF NOT EXISTS kle_topics (
    code   VARCHAR PRIMARY KEY,                  -- '27', '27.00' or '27.00.00'
    title  VARCHAR NOT NULL
);

-- One row per step a case number went through: meeting, committee, item, outcome.
CREATE OR REPLACE VIEW case_steps AS
SELECT i.case_number, m.meeting_date, m.municipality, m.committee, m.document_type,
       i.number AS item_number, i.title, d.outcome, i.item_id, i.source_file, i.first_page
FROM agenda_items i
JOIN meetings m USING (meeting_id)
LEFT JOIN decisions d USING (item_id)
WHERE i.case_number IS NOT NULL;

-- One row per case number seen anywhere, with its timeline summarised.
CREATE OR REPLACE VIEW cases AS
SELECT case_number,
       any_value(municipality) AS municipality,
       count(*) AS steps,
       min(meeting_date) AS first_seen,
       max(meeting_date) AS last_seen,
       list(committee ORDER BY meeting_date, committee) AS committees,
       arg_max(outcome, meeting_date) AS latest_outcome,
       arg_max(title, meeting_date) AS latest_title
FROM case_steps
GROUP BY case_number;

-- Convenience: every decision with its meeting, ready for analysts.
CREATE OR REPLACE VIEW decisions_overview AS
SELECT m.municipality, m.committee, m.meeting_date, m.document_type, i.number, i.title,
       i.case_number, i.closed, d.outcome, d.text AS decision, i.recommendation,
       d.votes_for, d.votes_against, d.votes_abstain, d.deviates_from_recommendation,
       i.source_file, i.first_page, i.last_page, i.item_id
FROM agenda_items i
JOIN meetings m USING (meeting_id)
LEFT JOIN decisions d USING (item_id);
