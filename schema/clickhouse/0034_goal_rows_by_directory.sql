-- Page goals of one directory from one row a day. A goal such as `/blog/*` covers every page directly under /blog/,
-- and the Goals panel merged the goal:pageview rows (0013) of each of them: on the bench's 100M events, 10,000 pages
-- over 12 months, 120,000 sketches, 224-257 ms of a 420 ms dashboard view. The view now adds a row per day and
-- directory, ('goal:page_dir', the path up to its last '/'), of a day's pageviews of the paths directly in it (and one
-- row with an empty value for every other event, which no directory is): a path is covered by `D*` (D ending in '/',
-- no other wildcard) exactly when its directory is D. Stored events get the rows below, as the view writes them; an
-- interrupted run deletes what it had written and writes it again.
DROP VIEW IF EXISTS rollup_daily_events_mv;

CREATE MATERIALIZED VIEW IF NOT EXISTS rollup_daily_events_mv TO rollup_daily
AS SELECT
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
ARRAY JOIN [('', ''), ('event:name', toString(name)), ('event:page', pathname), ('event:page_type', toString(content_type)), ('event:author', toString(author)), ('visit:entry_page', entry_page), ('visit:source', toString(referrer_source)), ('visit:referrer', referrer), ('visit:utm_source', utm_source), ('visit:utm_medium', utm_medium), ('visit:utm_campaign', utm_campaign), ('visit:utm_content', utm_content), ('visit:utm_term', utm_term), ('visit:country', toString(country_code)), ('visit:region', toString(region)), ('visit:city', city), ('visit:browser', toString(browser)), ('visit:browser_version', toString(browser_version)), ('visit:os', toString(os)), ('visit:os_version', toString(os_version)), ('visit:device', toString(device_type)), ('visit:screen', toString(screen_size)), ('visit:locale', toString(locale)), ('visit:channel', toString(channel)), ('goal:pageview', if(name = 'pageview', pathname, '')), ('goal:revenue', if(revenue_currency = '', '', concat(toString(revenue_currency), ':', toString(name)))), ('goal:page_dir', if(name = 'pageview', substring(pathname, 1, length(pathname) - position(reverse(pathname), '/') + 1), ''))] AS pair
GROUP BY
    property_id,
    day,
    dimension,
    value;

ALTER TABLE rollup_daily DELETE WHERE dimension = 'goal:page_dir' SETTINGS mutations_sync = 2;

ALTER TABLE rollup_monthly DELETE WHERE dimension = 'goal:page_dir' SETTINGS mutations_sync = 2;

INSERT INTO rollup_daily (property_id, day, dimension, value, visitor_sketch, pageviews, events, engagements, engaged_ms, engaged_visits, scroll_max_sum, revenue)
SELECT
    property_id,
    day,
    'goal:page_dir' AS dimension,
    substring(pathname, 1, length(pathname) - position(reverse(pathname), '/') + 1) AS value,
    uniqCombinedIfState(13)(visitor_id, name != 'engagement') AS visitor_sketch,
    count() AS pageviews,
    count() AS events,
    toUInt64(0) AS engagements,
    toUInt64(0) AS engaged_ms,
    sum(engaged_first) AS engaged_visits,
    sum(scroll_gain) AS scroll_max_sum,
    sum(revenue_amount) AS revenue
FROM events
WHERE name = 'pageview'
GROUP BY property_id, day, value;
