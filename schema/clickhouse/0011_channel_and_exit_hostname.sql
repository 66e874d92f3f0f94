-- The acquisition channel (visit:channel: "Organic Search", "Paid Social", "Email", "Direct"...): collect derives it
-- from the visit's first event (source, UTM tags, ad click id; Analytics.Ingest/Enrichment/AcquisitionChannels.cs) and
-- stamps it on each event of the visit like the source, so it is a visit dimension of the events, the sessions and the
-- daily rollup. The sessions table keeps the greatest value of a session's rows (they all hold the same).
-- The sessions also keep the hostname of their exit page (visit:exit_page_hostname), so that under an event:hostname
-- filter exit pages count the visits that left from that hostname, as Plausible counts them.
-- Events stored before get their channel from code, right after this file (Analytics.Ingest/Events/ChannelBackfill.cs,
-- named on the last line); their sessions and rollups get it, and the exit hostname, when migration 0012 derives every
-- table from the events again.
ALTER TABLE events ADD COLUMN IF NOT EXISTS channel LowCardinality(String) AFTER click_id_param;

ALTER TABLE sessions ADD COLUMN IF NOT EXISTS channel SimpleAggregateFunction(max, LowCardinality(String));

ALTER TABLE sessions ADD COLUMN IF NOT EXISTS exit_hostname AggregateFunction(argMax, String, DateTime64(3, 'UTC'));

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
    any(locale) AS locale,
    max(channel) AS channel,
    argMaxState(toString(events.hostname), if(name = 'pageview', timestamp, toDateTime64(0, 3, 'UTC'))) AS exit_hostname -- the column, not the entry hostname above
FROM events
GROUP BY property_id, session_start, session_id;

-- (The daily rollup's events view gains the channel in 0012, which recreates that view for engagement anyway.)
DROP VIEW IF EXISTS rollup_daily_sessions_mv;

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
    ('visit:screen', toString(screen_size)), ('visit:locale', toString(locale)), ('visit:channel', toString(channel))
] AS pair
WHERE session_first = 1 OR bounce_delta != 0 OR duration_delta_ms != 0
GROUP BY property_id, day, dimension, value;

-- code: ChannelBackfill
