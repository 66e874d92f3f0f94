-- One row per session once merged (read it with GROUP BY session_id and the -Merge / sum functions: rows of one
-- session arrive in several inserts). The key holds session_start, which collect assigns once per session, so every
-- part of a session carries the same key and merges into one row.
CREATE TABLE IF NOT EXISTS sessions
(
    property_id UInt64,
    session_start DateTime64(3, 'UTC'),
    session_id UInt64,
    visitor_id SimpleAggregateFunction(any, UInt64),
    session_end SimpleAggregateFunction(max, DateTime64(3, 'UTC')),
    pageviews SimpleAggregateFunction(sum, UInt64),
    events SimpleAggregateFunction(sum, UInt64),
    bounce SimpleAggregateFunction(sum, Int64),
    duration_ms SimpleAggregateFunction(sum, UInt64),
    entry_page AggregateFunction(argMin, String, DateTime64(3, 'UTC')),
    exit_page AggregateFunction(argMax, String, DateTime64(3, 'UTC')),
    hostname AggregateFunction(argMin, String, DateTime64(3, 'UTC')),
    referrer AggregateFunction(argMin, String, DateTime64(3, 'UTC')),
    referrer_source AggregateFunction(argMin, String, DateTime64(3, 'UTC')),
    utm_source AggregateFunction(argMin, String, DateTime64(3, 'UTC')),
    utm_medium AggregateFunction(argMin, String, DateTime64(3, 'UTC')),
    utm_campaign AggregateFunction(argMin, String, DateTime64(3, 'UTC')),
    utm_content AggregateFunction(argMin, String, DateTime64(3, 'UTC')),
    utm_term AggregateFunction(argMin, String, DateTime64(3, 'UTC')),
    country_code SimpleAggregateFunction(any, LowCardinality(String)),
    region SimpleAggregateFunction(any, LowCardinality(String)),
    city SimpleAggregateFunction(any, String),
    browser SimpleAggregateFunction(any, LowCardinality(String)),
    browser_version SimpleAggregateFunction(any, LowCardinality(String)),
    os SimpleAggregateFunction(any, LowCardinality(String)),
    os_version SimpleAggregateFunction(any, LowCardinality(String)),
    device_type SimpleAggregateFunction(any, LowCardinality(String)),
    screen_size SimpleAggregateFunction(any, LowCardinality(String)),
    locale SimpleAggregateFunction(any, LowCardinality(String))
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(session_start)
ORDER BY (property_id, toDate(session_start), session_id)
SETTINGS non_replicated_deduplication_window = 1000;

-- Entry and exit pages consider pageviews only: other events sort to the far end of the ordering.
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
    argMinState(pathname, if(name = 'pageview', timestamp, toDateTime64('2299-12-31 00:00:00', 3, 'UTC'))) AS entry_page,
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
