-- The view that writes sessions, again after 0026 (which derives the visits' ids): a visit is its visitor and its
-- start, so it groups by those, and writes no id (the table derives it).
CREATE MATERIALIZED VIEW IF NOT EXISTS sessions_mv TO sessions AS
SELECT
    property_id,
    session_start,
    visitor_id,
    max(timestamp) AS session_end,
    countIf(name = 'pageview') AS pageviews,
    countIf(name != 'engagement') AS events,
    sum(bounce_delta) AS bounce,
    sum(duration_delta_ms) AS duration_ms,
    any(entry_page) AS entry_page,
    argMaxState(pathname, if(name = 'pageview', timestamp, toDateTime64(0, 3, 'UTC'))) AS exit_page,
    argMinState(toString(hostname), timestamp) AS hostname,
    any(referrer) AS referrer,
    any(referrer_source) AS referrer_source,
    any(utm_source) AS utm_source,
    any(utm_medium) AS utm_medium,
    any(utm_campaign) AS utm_campaign,
    any(utm_content) AS utm_content,
    any(utm_term) AS utm_term,
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
    argMaxState(toString(events.hostname), if(name = 'pageview', timestamp, toDateTime64(0, 3, 'UTC'))) AS exit_hostname, -- the column, not the entry hostname above
    groupUniqArrayIf(pathname, name != 'engagement') AS pages
FROM events
GROUP BY property_id, session_start, visitor_id;
