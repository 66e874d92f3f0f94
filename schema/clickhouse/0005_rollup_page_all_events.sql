-- The page rollup counts every event on a page, as raw-event queries do: visitors and events over all events but
-- engagement (a custom event on /pricing makes a visitor of /pricing), pageviews over pageviews only. This lets the
-- query planner answer "event:page" filters and breakdowns from the rollup with the raw definitions (docs/architecture.md).
ALTER TABLE rollup_page ADD COLUMN IF NOT EXISTS events SimpleAggregateFunction(sum, UInt64) AFTER pageviews;

DROP VIEW IF EXISTS rollup_page_events_mv;

CREATE MATERIALIZED VIEW IF NOT EXISTS rollup_page_events_mv TO rollup_page AS
SELECT
    property_id,
    toStartOfFifteenMinutes(timestamp) AS bucket,
    pathname,
    uniqIfState(visitor_id, name != 'engagement') AS visitors,
    countIf(name = 'pageview') AS pageviews,
    countIf(name != 'engagement') AS events,
    countIf(name = 'engagement') AS engagements,
    sumIf(engagement_ms, name = 'engagement') AS engaged_ms,
    sumIf(scroll_depth, name = 'engagement') AS scroll_depth_sum
FROM events
GROUP BY property_id, bucket, pathname;
