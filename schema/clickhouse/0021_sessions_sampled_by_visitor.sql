-- Sampling by visitor, as Plausible samples its large sites: a report over a range too large to read in full (opt-in,
-- Reports:SampleAbove) may read the events and visits of the visitors whose id falls in the first 1/N of the id space,
-- and scale its figures by N. A visitor's id is a keyed hash, spread over the 64 bits, so 1/N of the range is about
-- 1/N of the visitors, and ClickHouse skips the rest by the sorting key. Events have the visitor in their key already
-- (after the day and the event name); sessions get it after the day, so that their sample is the same visitors'.
-- The sessions stored before are converted by code right after this file (Analytics.Storage/ClickHouse/Migrations/
-- SessionsConversion.cs, named on the last line): each partition is written as it is to sessions_next; then the two
-- tables are exchanged and the old one dropped. Migration 0022 creates the view that writes sessions again.
ALTER TABLE events MODIFY SAMPLE BY visitor_id;

DROP VIEW IF EXISTS sessions_mv;

CREATE TABLE IF NOT EXISTS sessions_next
(
    property_id UInt64,
    session_start DateTime64(3, 'UTC') CODEC(T64, LZ4),
    session_id UInt64,
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
    exit_hostname AggregateFunction(argMax, String, DateTime64(3, 'UTC')) CODEC(ZSTD(1))
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(session_start)
ORDER BY (property_id, toDate(session_start), visitor_id, session_id)
SAMPLE BY visitor_id
SETTINGS non_replicated_deduplication_window = 1000, index_granularity = 8192;

-- code: SessionsByVisitor
