-- The view that writes sessions, again after 0028 (sessions without argMin and argMax states): the last pageview as
-- the greatest (time, path, hostname) of a block's pageviews, and the entry hostname from the visit's first event
-- (NULL in the rows of later blocks).
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
    max((if(name = 'pageview', timestamp, toDateTime64(0, 3, 'UTC')), pathname, toString(hostname))) AS last_pageview,
    anyIf(toNullable(toString(hostname)), session_first = 1) AS entry_hostname,
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
    groupUniqArrayIf(pathname, name != 'engagement') AS pages
FROM events
GROUP BY property_id, session_start, visitor_id;
