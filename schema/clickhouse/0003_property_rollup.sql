-- Per property, per 15-minute UTC bucket. Every IANA offset in use is a multiple of 15 minutes, so local hours and
-- days in any zone (Asia/Kolkata, Asia/Kathmandu, Australia/Lord_Howe, America/St_Johns) are whole sets of buckets.
-- Event metrics (visitors, pageviews, events) sit in the bucket of the event; session metrics (visits, bounces,
-- duration) in the bucket where the session started, so a range's visits are the sessions that started in it.
CREATE TABLE IF NOT EXISTS rollup_property
(
    property_id UInt64,
    bucket DateTime('UTC'),
    visitors AggregateFunction(uniq, UInt64),
    pageviews SimpleAggregateFunction(sum, UInt64),
    events SimpleAggregateFunction(sum, UInt64),
    visits SimpleAggregateFunction(sum, UInt64),
    bounces SimpleAggregateFunction(sum, Int64),
    duration_ms SimpleAggregateFunction(sum, UInt64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(bucket)
ORDER BY (property_id, bucket)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE MATERIALIZED VIEW IF NOT EXISTS rollup_property_events_mv TO rollup_property AS
SELECT
    property_id,
    toStartOfFifteenMinutes(timestamp) AS bucket,
    uniqState(visitor_id) AS visitors,
    countIf(name = 'pageview') AS pageviews,
    count() AS events
FROM events
WHERE name != 'engagement'
GROUP BY property_id, bucket;

CREATE MATERIALIZED VIEW IF NOT EXISTS rollup_property_sessions_mv TO rollup_property AS
SELECT
    property_id,
    toStartOfFifteenMinutes(session_start) AS bucket,
    sum(session_first) AS visits,
    sum(bounce_delta) AS bounces,
    sum(duration_delta_ms) AS duration_ms
FROM events
GROUP BY property_id, bucket;
