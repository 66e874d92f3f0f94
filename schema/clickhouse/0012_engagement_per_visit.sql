-- Time on page and scroll depth as Plausible defines them: over the visits with engagement on a page, the engaged time
-- per such visit, and the mean of each visit's deepest scroll there (before: per engagement event). Collect marks a
-- visit's first engagement event on each page (engaged_first) and how much deeper each one scrolled than the visit had
-- on that page (scroll_gain), so both are plain sums in the rollups: engaged_visits and scroll_max_sum replace
-- scroll_depth_sum. Engagement events no longer lengthen a visit (duration_delta_ms is 0 on them).
-- The events stored before get both columns, and their duration deltas without engagement, from code right after this
-- file (Analytics.Ingest/Events/EventReplay.cs, named on the last line), which then derives every rollup again.
ALTER TABLE events ADD COLUMN IF NOT EXISTS engaged_first UInt8 AFTER duration_delta_ms;

ALTER TABLE events ADD COLUMN IF NOT EXISTS scroll_gain UInt8 AFTER engaged_first;

DROP VIEW IF EXISTS rollup_daily_events_mv;

DROP VIEW IF EXISTS rollup_monthly_mv;

DROP VIEW IF EXISTS rollup_page_events_mv;

ALTER TABLE rollup_daily ADD COLUMN IF NOT EXISTS engaged_visits SimpleAggregateFunction(sum, UInt64) AFTER engaged_ms;

ALTER TABLE rollup_daily ADD COLUMN IF NOT EXISTS scroll_max_sum SimpleAggregateFunction(sum, UInt64) AFTER engaged_visits;

ALTER TABLE rollup_daily DROP COLUMN IF EXISTS scroll_depth_sum;

ALTER TABLE rollup_monthly ADD COLUMN IF NOT EXISTS engaged_visits SimpleAggregateFunction(sum, UInt64) AFTER engaged_ms;

ALTER TABLE rollup_monthly ADD COLUMN IF NOT EXISTS scroll_max_sum SimpleAggregateFunction(sum, UInt64) AFTER engaged_visits;

ALTER TABLE rollup_monthly DROP COLUMN IF EXISTS scroll_depth_sum;

ALTER TABLE rollup_page ADD COLUMN IF NOT EXISTS engaged_visits SimpleAggregateFunction(sum, UInt64) AFTER engaged_ms;

ALTER TABLE rollup_page ADD COLUMN IF NOT EXISTS scroll_max_sum SimpleAggregateFunction(sum, UInt64) AFTER engaged_visits;

ALTER TABLE rollup_page DROP COLUMN IF EXISTS scroll_depth_sum;

CREATE MATERIALIZED VIEW IF NOT EXISTS rollup_daily_events_mv TO rollup_daily AS
SELECT
    property_id,
    toDate(timestamp) AS day,
    tupleElement(pair, 1) AS dimension,
    tupleElement(pair, 2) AS value,
    uniqCombinedIfState(13)(visitor_id, name != 'engagement') AS visitor_sketch,
    countIf(name = 'pageview') AS pageviews,
    countIf(name != 'engagement') AS events,
    countIf(name = 'engagement') AS engagements,
    sumIf(engagement_ms, name = 'engagement') AS engaged_ms,
    sum(engaged_first) AS engaged_visits,
    sum(scroll_gain) AS scroll_max_sum,
    sum(revenue_amount) AS revenue
FROM events
ARRAY JOIN
[
    ('', ''), ('event:name', toString(name)), ('event:page', pathname), ('event:page_type', toString(content_type)),
    ('event:author', toString(author)), ('visit:entry_page', entry_page),
    ('visit:source', toString(referrer_source)), ('visit:referrer', referrer), ('visit:utm_source', utm_source),
    ('visit:utm_medium', utm_medium), ('visit:utm_campaign', utm_campaign), ('visit:utm_content', utm_content),
    ('visit:utm_term', utm_term), ('visit:country', toString(country_code)), ('visit:region', toString(region)),
    ('visit:city', city), ('visit:browser', toString(browser)), ('visit:browser_version', toString(browser_version)),
    ('visit:os', toString(os)), ('visit:os_version', toString(os_version)), ('visit:device', toString(device_type)),
    ('visit:screen', toString(screen_size)), ('visit:locale', toString(locale)), ('visit:channel', toString(channel))
] AS pair
GROUP BY property_id, day, dimension, value;

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
    sum(engaged_visits) AS engaged_visits,
    sum(scroll_max_sum) AS scroll_max_sum,
    sum(visits) AS visits,
    sum(bounces) AS bounces,
    sum(duration_ms) AS duration_ms,
    sum(revenue) AS revenue
FROM rollup_daily
GROUP BY property_id, month, dimension, value;

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
    sum(engaged_first) AS engaged_visits,
    sum(scroll_gain) AS scroll_max_sum
FROM events
GROUP BY property_id, bucket, pathname;

-- code: EventReplay
