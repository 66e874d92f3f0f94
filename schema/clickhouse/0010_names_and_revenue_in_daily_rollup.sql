-- Event names and revenue join the daily and monthly rollups: the dashboard's custom events panel (visitors, events and
-- revenue by event name) read a year of raw events on every view (100-230 ms of the 12-month first view at 10M events,
-- docs/benchmarks.md). Like event:page, event:name splits event metrics only. Revenue is summed per day and value of
-- every dimension, so a breakdown with total_revenue stays on the rollups too.
ALTER TABLE rollup_daily ADD COLUMN IF NOT EXISTS revenue SimpleAggregateFunction(sum, Decimal(38, 6));

ALTER TABLE rollup_monthly ADD COLUMN IF NOT EXISTS revenue SimpleAggregateFunction(sum, Decimal(38, 6));

DROP VIEW IF EXISTS rollup_monthly_mv;

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
    sum(duration_ms) AS duration_ms,
    sum(revenue) AS revenue
FROM rollup_daily
GROUP BY property_id, month, dimension, value;

DROP VIEW IF EXISTS rollup_daily_events_mv;

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
    sumIf(scroll_depth, name = 'engagement') AS scroll_depth_sum,
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
    ('visit:screen', toString(screen_size)), ('visit:locale', toString(locale))
] AS pair
GROUP BY property_id, day, dimension, value;

-- Events stored before: their rows by event name (rollup_monthly follows through its view on this table)...
INSERT INTO rollup_daily (property_id, day, dimension, value, visitor_sketch, pageviews, events, engagements, engaged_ms, scroll_depth_sum, revenue)
SELECT
    property_id,
    toDate(timestamp) AS day,
    'event:name' AS dimension,
    toString(name) AS value,
    uniqCombinedIfState(13)(visitor_id, name != 'engagement') AS visitor_sketch,
    countIf(name = 'pageview') AS pageviews,
    countIf(name != 'engagement') AS events,
    countIf(name = 'engagement') AS engagements,
    sumIf(engagement_ms, name = 'engagement') AS engaged_ms,
    sumIf(scroll_depth, name = 'engagement') AS scroll_depth_sum,
    sum(revenue_amount) AS revenue
FROM events
GROUP BY property_id, day, dimension, value;

-- ...and the revenue of the other dimensions' rows (only events that carry some; the rows merge with those stored).
INSERT INTO rollup_daily (property_id, day, dimension, value, revenue)
SELECT
    property_id,
    toDate(timestamp) AS day,
    tupleElement(pair, 1) AS dimension,
    tupleElement(pair, 2) AS value,
    sum(revenue_amount) AS revenue
FROM events
ARRAY JOIN
[
    ('', ''), ('event:page', pathname), ('event:page_type', toString(content_type)),
    ('event:author', toString(author)), ('visit:entry_page', entry_page),
    ('visit:source', toString(referrer_source)), ('visit:referrer', referrer), ('visit:utm_source', utm_source),
    ('visit:utm_medium', utm_medium), ('visit:utm_campaign', utm_campaign), ('visit:utm_content', utm_content),
    ('visit:utm_term', utm_term), ('visit:country', toString(country_code)), ('visit:region', toString(region)),
    ('visit:city', city), ('visit:browser', toString(browser)), ('visit:browser_version', toString(browser_version)),
    ('visit:os', toString(os)), ('visit:os_version', toString(os_version)), ('visit:device', toString(device_type)),
    ('visit:screen', toString(screen_size)), ('visit:locale', toString(locale))
] AS pair
WHERE revenue_amount != 0
GROUP BY property_id, day, dimension, value;
