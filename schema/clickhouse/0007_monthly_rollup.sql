-- rollup_daily folded into calendar months (UTC): a year of one value is 12 rows instead of 365, so a long range merges
-- a dozen visitor states instead of hundreds (measured at 10M events: a 12-month dashboard spent most of its time in
-- uniqMerge over daily states). Fed by a view on rollup_daily itself, so each insert adds only its own few rows.
-- A range is answered from its whole UTC months here, its other whole UTC days from rollup_daily, and its partial
-- first and last days from raw events and sessions (ReportSql).
CREATE TABLE IF NOT EXISTS rollup_monthly
(
    property_id UInt64,
    month Date,
    dimension LowCardinality(String),
    value String,
    visitors AggregateFunction(uniq, UInt64),
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
    uniqMergeState(visitors) AS visitors,
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

-- What is already in rollup_daily.
INSERT INTO rollup_monthly
SELECT
    property_id,
    toStartOfMonth(day) AS month,
    dimension,
    value,
    uniqMergeState(visitors),
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
