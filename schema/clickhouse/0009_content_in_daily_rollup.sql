-- Page types and authors join the daily rollup's event dimensions: the dashboard's Content panel read a year of raw
-- events for them (0.4-0.5 s of a 1.2 s first view at 10M events, docs/benchmarks.md). Like event:page they split
-- event metrics only. Categories and tags are arrays and stay on raw events.
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
    sumIf(scroll_depth, name = 'engagement') AS scroll_depth_sum
FROM events
ARRAY JOIN
[
    ('', ''), ('event:page', pathname), ('event:page_type', toString(content_type)), ('event:author', toString(author)),
    ('visit:entry_page', entry_page),
    ('visit:source', toString(referrer_source)), ('visit:referrer', referrer), ('visit:utm_source', utm_source),
    ('visit:utm_medium', utm_medium), ('visit:utm_campaign', utm_campaign), ('visit:utm_content', utm_content),
    ('visit:utm_term', utm_term), ('visit:country', toString(country_code)), ('visit:region', toString(region)),
    ('visit:city', city), ('visit:browser', toString(browser)), ('visit:browser_version', toString(browser_version)),
    ('visit:os', toString(os)), ('visit:os_version', toString(os_version)), ('visit:device', toString(device_type)),
    ('visit:screen', toString(screen_size)), ('visit:locale', toString(locale))
] AS pair
GROUP BY property_id, day, dimension, value;

-- Events stored before: their rows of the two new dimensions (rollup_monthly follows through its view on this table).
INSERT INTO rollup_daily (property_id, day, dimension, value, visitor_sketch, pageviews, events, engagements, engaged_ms, scroll_depth_sum)
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
    sumIf(scroll_depth, name = 'engagement') AS scroll_depth_sum
FROM events
ARRAY JOIN [('event:page_type', toString(content_type)), ('event:author', toString(author))] AS pair
GROUP BY property_id, day, dimension, value;
