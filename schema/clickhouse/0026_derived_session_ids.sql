-- A visit's id is derived from its visitor and its start instead of stored (Analytics.Storage/ClickHouse/Catalog/
-- SessionIds.cs): session_id becomes an ALIAS column of both tables. A random 64-bit id on every event took 3.8 bytes
-- an event of events and 1.4 of sessions on the bench's 100M events, the ids being random bits (docs/benchmarks.md).
-- A visitor has one visit at a time, so the visitor and the start's millisecond tell its visits apart; sessions keep
-- them in that order instead of by id. Every event of a visit carries its visitor and start, so the events need no
-- conversion: the stored column goes and the derived one takes its name (the view that reads it is dropped first, as
-- ClickHouse refuses to drop a column a view reads; 0027 creates it again). The sessions stored before are converted
-- by code right after this file (Analytics.Storage/ClickHouse/Migrations/SessionsConversion.cs, named on the last
-- line): each partition is written to sessions_next without its ids; then the two tables are exchanged and the old
-- one dropped. Ids given out before (a visit's link in the dashboard) name no visit after it.
DROP VIEW IF EXISTS sessions_mv;

ALTER TABLE events DROP COLUMN IF EXISTS session_id SETTINGS mutations_sync = 2;

ALTER TABLE events ADD COLUMN IF NOT EXISTS session_id UInt64 ALIAS bitXor(visitor_id, toUInt64(toUnixTimestamp64Milli(session_start)) * 11400714819323198485) AFTER visitor_id;

CREATE TABLE IF NOT EXISTS sessions_next
(
    property_id UInt64,
    session_start DateTime64(3, 'UTC') CODEC(T64, LZ4),
    session_id UInt64 ALIAS bitXor(visitor_id, toUInt64(toUnixTimestamp64Milli(session_start)) * 11400714819323198485),
    visitor_id UInt64,
    session_end SimpleAggregateFunction(max, DateTime64(3, 'UTC')) CODEC(T64, LZ4),
    pageviews SimpleAggregateFunction(sum, UInt64) CODEC(T64, LZ4),
    events SimpleAggregateFunction(sum, UInt64) CODEC(T64, LZ4),
    bounce SimpleAggregateFunction(sum, Int64) CODEC(T64, LZ4),
    duration_ms SimpleAggregateFunction(sum, UInt64) CODEC(T64, LZ4),
    entry_page SimpleAggregateFunction(any, String) CODEC(ZSTD(1)),
    exit_page AggregateFunction(argMax, String, DateTime64(3, 'UTC')) CODEC(ZSTD(1)),
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
    exit_hostname AggregateFunction(argMax, String, DateTime64(3, 'UTC')) CODEC(ZSTD(1)),
    pages SimpleAggregateFunction(groupUniqArrayArray, Array(String)) CODEC(ZSTD(1))
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(session_start)
ORDER BY (property_id, toDate(session_start), visitor_id, session_start)
SAMPLE BY visitor_id
SETTINGS non_replicated_deduplication_window = 1000, index_granularity = 8192;

-- code: DerivedSessionIds
