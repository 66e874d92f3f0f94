-- Sessions keep the visit attributes collect stamps on every event of a visit (entry page, referrer, source, UTM tags)
-- as plain values (SimpleAggregateFunction(any)) instead of argMin states: the same value on every row of a visit, so
-- the first one is any one. A state held the value and its time (6.6 of the 65.5 bytes an event at 100M events,
-- docs/benchmarks.md) and had to be finalized to be read or filtered on. The entry hostname and the exit page and
-- hostname are not stamped and stay states.
-- The sessions stored before are converted by code right after this file (Analytics.Storage/ClickHouse/Migrations/
-- PlainSessionAttributes.cs, named on the last line): each partition is written, row by row, to
-- sessions_next; then the two tables are exchanged and the old one dropped. Migration 0019 creates the view again.
DROP VIEW IF EXISTS sessions_mv;

CREATE TABLE IF NOT EXISTS sessions_next
(
    property_id UInt64,
    session_start DateTime64(3, 'UTC'),
    session_id UInt64,
    visitor_id SimpleAggregateFunction(any, UInt64),
    session_end SimpleAggregateFunction(max, DateTime64(3, 'UTC')),
    pageviews SimpleAggregateFunction(sum, UInt64),
    events SimpleAggregateFunction(sum, UInt64),
    bounce SimpleAggregateFunction(sum, Int64),
    duration_ms SimpleAggregateFunction(sum, UInt64),
    entry_page SimpleAggregateFunction(any, String),
    exit_page AggregateFunction(argMax, String, DateTime64(3, 'UTC')),
    hostname AggregateFunction(argMin, String, DateTime64(3, 'UTC')) CODEC(ZSTD(1)),
    referrer SimpleAggregateFunction(any, String) CODEC(ZSTD(1)),
    referrer_source SimpleAggregateFunction(any, LowCardinality(String)),
    utm_source SimpleAggregateFunction(any, String) CODEC(ZSTD(1)),
    utm_medium SimpleAggregateFunction(any, String) CODEC(ZSTD(1)),
    utm_campaign SimpleAggregateFunction(any, String) CODEC(ZSTD(1)),
    utm_content SimpleAggregateFunction(any, String) CODEC(ZSTD(1)),
    utm_term SimpleAggregateFunction(any, String) CODEC(ZSTD(1)),
    country_code SimpleAggregateFunction(any, LowCardinality(String)),
    region SimpleAggregateFunction(any, LowCardinality(String)),
    city SimpleAggregateFunction(any, String) CODEC(ZSTD(1)),
    browser SimpleAggregateFunction(any, LowCardinality(String)),
    browser_version SimpleAggregateFunction(any, LowCardinality(String)),
    os SimpleAggregateFunction(any, LowCardinality(String)),
    os_version SimpleAggregateFunction(any, LowCardinality(String)),
    device_type SimpleAggregateFunction(any, LowCardinality(String)),
    screen_size SimpleAggregateFunction(any, LowCardinality(String)),
    locale SimpleAggregateFunction(any, LowCardinality(String)),
    channel SimpleAggregateFunction(max, LowCardinality(String)),
    exit_hostname AggregateFunction(argMax, String, DateTime64(3, 'UTC')) CODEC(ZSTD(1))
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(session_start)
ORDER BY (property_id, toDate(session_start), session_id)
SETTINGS non_replicated_deduplication_window = 1000, index_granularity = 8192;

-- code: PlainSessionAttributes
