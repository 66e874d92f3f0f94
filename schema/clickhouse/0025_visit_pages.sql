-- Each visit's pages on its sessions rows: the paths of its events other than engagement (pageviews and custom
-- events), as the page filter tests them. A report of visits under a page filter then tests each visit's own row
-- (the table read with FINAL, so that a visit stored in several rows is one) instead of looking its id up among the
-- range's matching events: 3 months of `page contains /blog` on 100M events, the view's visits statement 597-601 ->
-- 372-414 ms (docs/benchmarks.md). Array(String), as groupUniqArrayArray returns it (a LowCardinality element is
-- refused), with ZSTD(1): 0.87 bytes an event on the bench's data.
-- The view is made again with the column; the visits stored before get theirs from their events in code right after
-- this file (Analytics.Storage/ClickHouse/Migrations/VisitPages.cs, named on the last line).
ALTER TABLE sessions ADD COLUMN IF NOT EXISTS pages SimpleAggregateFunction(groupUniqArrayArray, Array(String)) CODEC(ZSTD(1));

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
GROUP BY property_id, session_start, session_id;

-- code: VisitPages
