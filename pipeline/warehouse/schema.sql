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
    ingested_at         TIMESTAMP NOT NULL,
    ocr_pages           INTEGER[],                -- pages read by OCR (no text layer)
    ocr_page_confidence DOUBLE[],                 -- their mean word confidence 0-100, aligned with ocr_pages
    ocr_mean_confidence DOUBLE                    -- mean over the OCR'd pages
);

-- OCR provenance columns on warehouses created before them.
ALTER TABLE documents ADD COLUMN IF NOT EXISTS ocr_pages INTEGER[];
ALTER TABLE documents ADD COLUMN IF NOT EXISTS ocr_page_confidence DOUBLE[];
ALTER TABLE documents ADD COLUMN IF NOT EXISTS ocr_mean_confidence DOUBLE;

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

CREATE TABLE IF NOT EXISTS decisions (
    item_id                       VARCHAR PRIMARY KEY,
    text                          VARCHAR,
    outcome                       VARCHAR NOT NULL,
    votes_for                     VARCHAR[],
    votes_against                 VARCHAR[],
    votes_abstain                 VARCHAR[],
    deviates_from_recommendation  BOOLEAN NOT NULL,
    heading                       VARCHAR,
    page                          INTEGER
);

CREATE TABLE IF NOT EXISTS decision_notes (
    item_id   VARCHAR NOT NULL,
    position  INTEGER NOT NULL,
    kind      VARCHAR NOT NULL,                  -- 'protokollat' | 'mindretalsudtalelse'
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
