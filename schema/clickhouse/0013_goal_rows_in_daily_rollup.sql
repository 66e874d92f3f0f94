-- Goals from the daily rollup. Its event:page rows count every event on a page, and its revenue column adds up every
-- currency; a page goal counts pageviews only and a revenue goal its own currency, so the view adds two kinds of rows:
-- ('goal:pageview', path), a day's pageviews of each path (and one row with an empty path for every other event, which
-- no page pattern matches), and ('goal:revenue', 'CUR:name'), a day's events of a name that paid in a currency (and
-- one row with an empty value for the events without revenue, which nothing reads). Event goals read the event:name
-- rows as they are. Stored events get the rows below, as the view writes them (the revenue rows with a value only);
-- an interrupted run deletes what it had written and writes it again.
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
    ('visit:screen', toString(screen_size)), ('visit:locale', toString(locale)), ('visit:channel', toString(channel)),
    ('goal:pageview', if(name = 'pageview', pathname, '')),
    ('goal:revenue', if(revenue_currency = '', '', concat(toString(revenue_currency), ':', toString(name))))
] AS pair
GROUP BY property_id, day, dimension, value;

ALTER TABLE rollup_daily DELETE WHERE dimension IN ('goal:pageview', 'goal:revenue') SETTINGS mutations_sync = 2;

ALTER TABLE rollup_monthly DELETE WHERE dimension IN ('goal:pageview', 'goal:revenue') SETTINGS mutations_sync = 2;

INSERT INTO rollup_daily (property_id, day, dimension, value, visitor_sketch, pageviews, events, engagements, engaged_ms, engaged_visits, scroll_max_sum, revenue)
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
    ('goal:pageview', if(name = 'pageview', pathname, '')),
    ('goal:revenue', if(revenue_currency = '', '', concat(toString(revenue_currency), ':', toString(name))))
] AS pair
WHERE tupleElement(pair, 1) = 'goal:pageview' OR tupleElement(pair, 2) != ''
GROUP BY property_id, day, dimension, value;
