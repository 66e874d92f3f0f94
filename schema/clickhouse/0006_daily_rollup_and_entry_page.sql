-- Every event carries its session's entry page (the path of the session's first event, stamped by collect like the
-- session's source), so entry pages are counted like any visit attribute. Rows stored before have none.
ALTER TABLE events ADD COLUMN IF NOT EXISTS entry_page String AFTER prev_pathname;

-- The sessions view takes the entry page from it (before: the first pageview's path, or "" without pageviews).
DROP VIEW IF EXISTS sessions_mv;

CREATE MATERIALIZED VIEW IF NOT EXISTS sessions_mv TO sessions AS
SELECT
    property_id,
    session_start,
    session_id,
    any(visitor_id) AS visitor_id,
    max(timestamp) AS session_end,
    countIf(name = 'pageview') AS pageviews,
    countIf(name != 'engagement') AS events,
    sum(bounce_delta) AS bounce,
    sum(duration_delta_ms) AS duration_ms,
    argMinState(entry_page, timestamp) AS entry_page,
    argMaxState(pathname, if(name = 'pageview', timestamp, toDateTime64(0, 3, 'UTC'))) AS exit_page,
    argMinState(toString(hostname), timestamp) AS hostname,
    argMinState(referrer, timestamp) AS referrer,
    argMinState(toString(referrer_source), timestamp) AS referrer_source,
    argMinState(utm_source, timestamp) AS utm_source,
    argMinState(utm_medium, timestamp) AS utm_medium,
    argMinState(utm_campaign, timestamp) AS utm_campaign,
    argMinState(utm_content, timestamp) AS utm_content,
    argMinState(utm_term, timestamp) AS utm_term,
    any(country_code) AS country_code,
    any(region) AS region,
    any(city) AS city,
    any(browser) AS browser,
    any(browser_version) AS browser_version,
    any(os) AS os,
    any(os_version) AS os_version,
    any(device_type) AS device_type,
    any(screen_size) AS screen_size,
    any(locale) AS locale
FROM events
GROUP BY property_id, session_start, session_id;

-- Per property, UTC day and one dimension's value: the rollup that answers long ranges. A year of a busy site is a
-- few hundred rows per value instead of millions of events. `dimension` is the report dimension's name ("" for the
-- property as a whole, "event:page", "visit:country", ...) and `value` its value; each event adds one row per
-- dimension. The "visit:*" values are the same on every event of a session (collect stamps the first event's), so
-- session metrics split by them with the same delta sums as rollup_property.
-- Event metrics sit in the day of the event, session metrics (visits, bounces, duration) in the day the session
-- started. A local range is answered from whole UTC days here plus its partial first and last days from raw events
-- and the sessions table (ReportSql), so the answer is exact in every zone.
CREATE TABLE IF NOT EXISTS rollup_daily
(
    property_id UInt64,
    day Date,
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
PARTITION BY toYYYYMM(day)
ORDER BY (property_id, dimension, day, value)
-- Small granules: a query reads one dimension's rows, and every state it reads is deserialized (8192-row granules made
-- a year's "visitors" read five times slower, mostly other dimensions' states).
SETTINGS index_granularity = 256, non_replicated_deduplication_window = 1000;

CREATE MATERIALIZED VIEW IF NOT EXISTS rollup_daily_events_mv TO rollup_daily AS
SELECT
    property_id,
    toDate(timestamp) AS day,
    tupleElement(pair, 1) AS dimension,
    tupleElement(pair, 2) AS value,
    uniqIfState(visitor_id, name != 'engagement') AS visitors,
    countIf(name = 'pageview') AS pageviews,
    countIf(name != 'engagement') AS events,
    countIf(name = 'engagement') AS engagements,
    sumIf(engagement_ms, name = 'engagement') AS engaged_ms,
    sumIf(scroll_depth, name = 'engagement') AS scroll_depth_sum
FROM events
ARRAY JOIN
[
    ('', ''), ('event:page', pathname), ('visit:entry_page', entry_page),
    ('visit:source', toString(referrer_source)), ('visit:referrer', referrer), ('visit:utm_source', utm_source),
    ('visit:utm_medium', utm_medium), ('visit:utm_campaign', utm_campaign), ('visit:utm_content', utm_content),
    ('visit:utm_term', utm_term), ('visit:country', toString(country_code)), ('visit:region', toString(region)),
    ('visit:city', city), ('visit:browser', toString(browser)), ('visit:browser_version', toString(browser_version)),
    ('visit:os', toString(os)), ('visit:os_version', toString(os_version)), ('visit:device', toString(device_type)),
    ('visit:screen', toString(screen_size)), ('visit:locale', toString(locale))
] AS pair
GROUP BY property_id, day, dimension, value;

CREATE MATERIALIZED VIEW IF NOT EXISTS rollup_daily_sessions_mv TO rollup_daily AS
SELECT
    property_id,
    toDate(session_start) AS day,
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
    ('visit:screen', toString(screen_size)), ('visit:locale', toString(locale))
] AS pair
WHERE session_first = 1 OR bounce_delta != 0 OR duration_delta_ms != 0
GROUP BY property_id, day, dimension, value;

-- Events stored before this migration: the rows the views above would have written. (Their later events were not
-- stamped with the session's attributes yet, so their visit:* splits of session metrics follow each event's own values.)
INSERT INTO rollup_daily (property_id, day, dimension, value, visitors, pageviews, events, engagements, engaged_ms, scroll_depth_sum)
SELECT property_id, day, dimension, value, visitors, pageviews, events, engagements, engaged_ms, scroll_depth_sum
FROM
(
    SELECT
        property_id,
        toDate(timestamp) AS day,
        tupleElement(pair, 1) AS dimension,
        tupleElement(pair, 2) AS value,
        uniqIfState(visitor_id, name != 'engagement') AS visitors,
        countIf(name = 'pageview') AS pageviews,
        countIf(name != 'engagement') AS events,
        countIf(name = 'engagement') AS engagements,
        sumIf(engagement_ms, name = 'engagement') AS engaged_ms,
        sumIf(scroll_depth, name = 'engagement') AS scroll_depth_sum
    FROM events
    ARRAY JOIN
    [
        ('', ''), ('event:page', pathname), ('visit:entry_page', entry_page),
        ('visit:source', toString(referrer_source)), ('visit:referrer', referrer), ('visit:utm_source', utm_source),
        ('visit:utm_medium', utm_medium), ('visit:utm_campaign', utm_campaign), ('visit:utm_content', utm_content),
        ('visit:utm_term', utm_term), ('visit:country', toString(country_code)), ('visit:region', toString(region)),
        ('visit:city', city), ('visit:browser', toString(browser)), ('visit:browser_version', toString(browser_version)),
        ('visit:os', toString(os)), ('visit:os_version', toString(os_version)), ('visit:device', toString(device_type)),
        ('visit:screen', toString(screen_size)), ('visit:locale', toString(locale))
    ] AS pair
    GROUP BY property_id, day, dimension, value
);

INSERT INTO rollup_daily (property_id, day, dimension, value, visits, bounces, duration_ms)
SELECT property_id, day, dimension, value, visits, bounces, duration_ms
FROM
(
    SELECT
        property_id,
        toDate(session_start) AS day,
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
        ('visit:screen', toString(screen_size)), ('visit:locale', toString(locale))
    ] AS pair
    WHERE session_first = 1 OR bounce_delta != 0 OR duration_delta_ms != 0
    GROUP BY property_id, day, dimension, value
);
