-- The daily rollup's days in the property's own zone (Property.DayZone, schema/postgres/0018: its time zone when it was
-- added), so that a report's local days are whole rows of rollup_daily and rollup_monthly and no raw events are read at
-- a range's ends. Collect stamps each event with its local day and its visit's (day, session_day: NodaTime, the zones
-- the reports use); the views read them. The events stored before have UTC days (the defaults, as their properties'
-- zone of days is UTC), which is what their rollups already hold: nothing is rewritten.
ALTER TABLE events ADD COLUMN IF NOT EXISTS day Date DEFAULT toDate(timestamp) AFTER timestamp;

ALTER TABLE events ADD COLUMN IF NOT EXISTS session_day Date DEFAULT toDate(session_start) AFTER session_start;

DROP VIEW IF EXISTS rollup_daily_events_mv;

DROP VIEW IF EXISTS rollup_daily_sessions_mv;

CREATE MATERIALIZED VIEW IF NOT EXISTS rollup_daily_events_mv TO rollup_daily AS
SELECT
    property_id,
    day,
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

CREATE MATERIALIZED VIEW IF NOT EXISTS rollup_daily_sessions_mv TO rollup_daily AS
SELECT
    property_id,
    session_day AS day,
    tupleElement(pair, 1) AS dimension,
    tupleElement(pair, 2) AS value,
    sum(session_first) AS visits,
    sum(bounce_delta) AS bounces,
    sum(duration_delta_ms) AS duration_ms
FROM events
ARRAY JOIN
[
    ('', ''), ('visit:entry_page', entry_page),
    ('visit:source', toString(referrer_source)), ('visit:referrer', referrer), ('visit:utm_source', utm_source),
    ('visit:utm_medium', utm_medium), ('visit:utm_campaign', utm_campaign), ('visit:utm_content', utm_content),
    ('visit:utm_term', utm_term), ('visit:country', toString(country_code)), ('visit:region', toString(region)),
    ('visit:city', city), ('visit:browser', toString(browser)), ('visit:browser_version', toString(browser_version)),
    ('visit:os', toString(os)), ('visit:os_version', toString(os_version)), ('visit:device', toString(device_type)),
    ('visit:screen', toString(screen_size)), ('visit:locale', toString(locale)), ('visit:channel', toString(channel))
] AS pair
WHERE session_first = 1 OR bounce_delta != 0 OR duration_delta_ms != 0
GROUP BY property_id, day, dimension, value;
