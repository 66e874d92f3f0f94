-- Per property, page (pathname) and 15-minute UTC bucket. Pageviews, visitors, time on page and scroll depth sit in
-- the bucket of the event; entries and exits in the bucket where the session started (as in rollup_property).
-- Time on page = engaged_ms / engagements; scroll depth = scroll_depth_sum / engagements.
CREATE TABLE IF NOT EXISTS rollup_page
(
    property_id UInt64,
    bucket DateTime('UTC'),
    pathname String,
    visitors AggregateFunction(uniq, UInt64),
    pageviews SimpleAggregateFunction(sum, UInt64),
    engagements SimpleAggregateFunction(sum, UInt64),
    engaged_ms SimpleAggregateFunction(sum, UInt64),
    scroll_depth_sum SimpleAggregateFunction(sum, UInt64),
    entries SimpleAggregateFunction(sum, UInt64),
    exits SimpleAggregateFunction(sum, Int64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(bucket)
ORDER BY (property_id, bucket, pathname)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE MATERIALIZED VIEW IF NOT EXISTS rollup_page_events_mv TO rollup_page AS
SELECT
    property_id,
    toStartOfFifteenMinutes(timestamp) AS bucket,
    pathname,
    uniqIfState(visitor_id, name = 'pageview') AS visitors,
    countIf(name = 'pageview') AS pageviews,
    countIf(name = 'engagement') AS engagements,
    sumIf(engagement_ms, name = 'engagement') AS engaged_ms,
    sumIf(scroll_depth, name = 'engagement') AS scroll_depth_sum
FROM events
WHERE name IN ('pageview', 'engagement')
GROUP BY property_id, bucket, pathname;

-- A session's exit page moves with each pageview: the new page gains the exit, the previous page gives it back.
CREATE MATERIALIZED VIEW IF NOT EXISTS rollup_page_sessions_mv TO rollup_page AS
SELECT
    property_id,
    toStartOfFifteenMinutes(session_start) AS bucket,
    tupleElement(page, 1) AS pathname,
    sum(tupleElement(page, 2)) AS entries,
    sum(tupleElement(page, 3)) AS exits
FROM
(
    SELECT
        property_id,
        session_start,
        arrayJoin(if(
            prev_pathname = '',
            [(pathname, toUInt8(1), toInt8(1))],
            [(pathname, toUInt8(0), toInt8(1)), (prev_pathname, toUInt8(0), toInt8(-1))])) AS page
    FROM events
    WHERE name = 'pageview'
)
GROUP BY property_id, bucket, pathname;
