-- Imported history by dimension: Plausible's imported_sources, _pages, _entry_pages, _exit_pages, _locations,
-- _devices, _browsers, _operating_systems and _custom_events, each line counted under the dimensions it names (a
-- sources line under visit:source, visit:referrer and each UTM tag), summed per day and value when imported. Blank
-- values are stored blank, as the events store them; metrics a table does not have are 0. Reports merge these rows into
-- breakdowns (and filtered totals) by the same dimension, as imported_visitors into totals.
CREATE TABLE IF NOT EXISTS imported_breakdowns
(
    property_id UInt64,
    import_id UInt64,
    dimension LowCardinality(String),
    date Date,
    value String,
    visitors UInt64,
    pageviews UInt64,
    events UInt64,
    visits UInt64,
    bounces UInt64,
    visit_duration UInt64
)
ENGINE = ReplacingMergeTree
ORDER BY (property_id, dimension, date, value, import_id);
