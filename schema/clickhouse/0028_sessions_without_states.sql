-- A visit's exit page and hostname, and its entry hostname, without argMin and argMax states. Each of the three
-- states kept a timestamp beside its value (0.68-1.13 bytes an event each on the bench's 100M events,
-- docs/benchmarks.md). The exit is now the greatest of (time, path, hostname) over the visit's pageviews (other events
-- give the epoch), one column whose time is kept once; the entry hostname is the hostname of the visit's first event
-- (session_first), which every other row of the visit leaves NULL, so that any() keeps it. The view that writes
-- sessions is dropped first; 0029 creates it again. The sessions stored before are converted by code right after
-- this file (Analytics.Storage/ClickHouse/Migrations/SessionsConversion.cs, named on the last line): each partition
-- is read merged (FINAL, one row a visit) into sessions_next, the states finalized, the exit's time the visit's last
-- event when it has a pageview (its events to come are later); then the two tables are exchanged and the old one
-- dropped.
DROP VIEW IF EXISTS sessions_mv;

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
    last_pageview SimpleAggregateFunction(max, Tuple(DateTime64(3, 'UTC'), String, String)) CODEC(ZSTD(1)),
    entry_hostname SimpleAggregateFunction(any, LowCardinality(Nullable(String))),
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
    pages SimpleAggregateFunction(groupUniqArrayArray, Array(String)) CODEC(ZSTD(1))
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(session_start)
ORDER BY (property_id, toDate(session_start), visitor_id, session_start)
SAMPLE BY visitor_id
SETTINGS non_replicated_deduplication_window = 1000, index_granularity = 8192;

-- code: SessionsWithoutStates
