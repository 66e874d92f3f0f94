-- Goals per property: a custom event (optionally only with given custom property values, optionally a revenue goal
-- in a currency), a pageview on a path pattern (Plausible's wildcards: * within a segment, ** across), or a page
-- scrolled to at least a share. Each has a display name, unique in its property, which reports use.
CREATE TABLE goals (
    id bigserial PRIMARY KEY,
    property_id bigint NOT NULL REFERENCES properties (id) ON DELETE CASCADE,
    display_name text NOT NULL,
    event_name text,
    page_path text,
    scroll_threshold smallint,
    currency char(3),
    custom_props jsonb NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK ((event_name IS NULL) <> (page_path IS NULL)),
    CHECK (scroll_threshold IS NULL OR (page_path IS NOT NULL AND scroll_threshold BETWEEN 1 AND 100)),
    CHECK (currency IS NULL OR event_name IS NOT NULL),
    CHECK (custom_props = '{}' OR event_name IS NOT NULL),
    UNIQUE (property_id, display_name)
);

-- One goal per target: the same event (with the same props), or the same page (and scroll share), is found again.
CREATE UNIQUE INDEX goals_target ON goals (property_id, coalesce(event_name, ''), coalesce(page_path, ''), coalesce(scroll_threshold, 0), custom_props);
