-- Two coarser rollups of visitor sketches for long ranges (measured on 100M events, docs/benchmarks.md).
--
-- rollup_monthly: rollup_daily folded into UTC calendar months. A year of one value is 12 sketches instead of 365, and a
-- sketch merges in constant time, so a 12-month breakdown reads a thirtieth of the states. Fed by a view on rollup_daily
-- itself, so each insert adds only its own few rows. A range is answered from its whole UTC months here, its other whole
-- UTC days from rollup_daily, and its partial first and last days from raw events and sessions (ReportSql).
CREATE TABLE IF NOT EXISTS rollup_monthly
(
    property_id UInt64,
    month Date,
    dimension LowCardinality(String),
    value String,
    visitor_sketch AggregateFunction(uniqCombined(13), UInt64),
    pageviews SimpleAggregateFunction(sum, UInt64),
    events SimpleAggregateFunction(sum, UInt64),
    engagements SimpleAggregateFunction(sum, UInt64),
    engaged_ms SimpleAggregateFunction(sum, UInt64),
    scroll_depth_sum SimpleAggregateFunction(sum, UInt64),
    visits SimpleAggregateFunction(sum, UInt64),
    bounces SimpleAggregateFunction(sum, Int64),
    duration_ms SimpleAggregateFunction(sum, UInt64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYear(month)
ORDER BY (property_id, dimension, month, value)
SETTINGS index_granularity = 256, non_replicated_deduplication_window = 1000;

CREATE MATERIALIZED VIEW IF NOT EXISTS rollup_monthly_mv TO rollup_monthly AS
SELECT
    property_id,
    toStartOfMonth(day) AS month,
    dimension,
    value,
    uniqCombinedMergeState(13)(visitor_sketch) AS visitor_sketch,
    sum(pageviews) AS pageviews,
    sum(events) AS events,
    sum(engagements) AS engagements,
    sum(engaged_ms) AS engaged_ms,
    sum(scroll_depth_sum) AS scroll_depth_sum,
    sum(visits) AS visits,
    sum(bounces) AS bounces,
    sum(duration_ms) AS duration_ms
FROM rollup_daily
GROUP BY property_id, month, dimension, value;

INSERT INTO rollup_monthly
SELECT
    property_id,
    toStartOfMonth(day) AS month,
    dimension,
    value,
    uniqCombinedMergeState(13)(visitor_sketch),
    sum(pageviews),
    sum(events),
    sum(engagements),
    sum(engaged_ms),
    sum(scroll_depth_sum),
    sum(visits),
    sum(bounces),
    sum(duration_ms)
FROM rollup_daily
GROUP BY property_id, month, dimension, value;

-- rollup_hourly: rollup_property per UTC hour, with visitors as sketches. Where every bucket edge of a time series is a
-- whole UTC hour (zones with whole-hour offsets), a year's graph merges 8,760 sketches instead of 35,040 exact uniq
-- states, whose cost grows with the visitors they hold (a 12-month graph on 100M events: 436 ms from rollup_property).
-- Zones with :30 and :45 offsets keep reading the 15-minute rollup. Metrics sit in buckets as in rollup_property.
CREATE TABLE IF NOT EXISTS rollup_hourly
(
    property_id UInt64,
    hour DateTime('UTC'),
    visitor_sketch AggregateFunction(uniqCombined(13), UInt64),
    pageviews SimpleAggregateFunction(sum, UInt64),
    events SimpleAggregateFunction(sum, UInt64),
    visits SimpleAggregateFunction(sum, UInt64),
    bounces SimpleAggregateFunction(sum, Int64),
    duration_ms SimpleAggregateFunction(sum, UInt64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (property_id, hour)
-- Small granules: a long range reads a few cut days' hours between whole days from rollup_daily, and every state in a
-- granule read is deserialized (8192 rows is a year of hours).
SETTINGS index_granularity = 64, non_replicated_deduplication_window = 1000;

CREATE MATERIALIZED VIEW IF NOT EXISTS rollup_hourly_events_mv TO rollup_hourly AS
SELECT
    property_id,
    toStartOfHour(timestamp) AS hour,
    uniqCombinedState(13)(visitor_id) AS visitor_sketch,
    countIf(name = 'pageview') AS pageviews,
    count() AS events
FROM events
WHERE name != 'engagement'
GROUP BY property_id, hour;

CREATE MATERIALIZED VIEW IF NOT EXISTS rollup_hourly_sessions_mv TO rollup_hourly AS
SELECT
    property_id,
    toStartOfHour(session_start) AS hour,
    sum(session_first) AS visits,
    sum(bounce_delta) AS bounces,
    sum(duration_delta_ms) AS duration_ms
FROM events
GROUP BY property_id, hour;

INSERT INTO rollup_hourly (property_id, hour, visitor_sketch, pageviews, events)
SELECT property_id, toStartOfHour(timestamp) AS hour, uniqCombinedState(13)(visitor_id), countIf(name = 'pageview'), count()
FROM events
WHERE name != 'engagement'
GROUP BY property_id, hour;

INSERT INTO rollup_hourly (property_id, hour, visits, bounces, duration_ms)
SELECT property_id, toStartOfHour(session_start) AS hour, sum(session_first), sum(bounce_delta), sum(duration_delta_ms)
FROM events
GROUP BY property_id, hour;
