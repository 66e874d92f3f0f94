-- Imported history: another tool's aggregates, kept apart from the raw events and per import (PostgreSQL's imports
-- lists them), merged into reports at query time where a query allows it. imported_visitors holds a day's totals, as
-- Plausible's table of that name: unique visitors (summed across days, as Plausible sums them), pageviews, visits,
-- bounced visits and the visits' total duration in seconds. A day on or after the first native event of a property is
-- not stored, so imported and native days never overlap.
CREATE TABLE IF NOT EXISTS imported_visitors
(
    property_id UInt64,
    import_id UInt64,
    date Date,
    visitors UInt64,
    pageviews UInt64,
    bounces UInt64,
    visits UInt64,
    visit_duration UInt64
)
ENGINE = ReplacingMergeTree
ORDER BY (property_id, date, import_id);
