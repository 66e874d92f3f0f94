-- Imports of another tool's history (their aggregates live in ClickHouse's imported_* tables, by import id). One row
-- per import: its source, what was read (a hash of the files' content, so the same files again are one import), the
-- days it covers and its rows; state 'importing' until every row is stored (an interrupted import is redone).
CREATE TABLE imports (
    id bigserial PRIMARY KEY,
    property_id bigint NOT NULL REFERENCES properties (id) ON DELETE CASCADE,
    source text NOT NULL CHECK (source IN ('plausible', 'ga4', 'umami')),
    label text NOT NULL,
    content_hash text NOT NULL,
    first_day date,
    last_day date,
    row_count bigint NOT NULL DEFAULT 0,
    state text NOT NULL DEFAULT 'importing' CHECK (state IN ('importing', 'done')),
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (property_id, source, content_hash)
);
