-- The current definition of every ClickHouse table and view, as the migrations leave them (SHOW CREATE on the
-- migrated engine). Generated and checked by Analytics.Tests/Schema/CatalogTests.cs: read it, never edit it; change
-- the schema with a new numbered migration beside it, then regenerate this file.

CREATE TABLE events
(
    `property_id` UInt64,
    `timestamp` DateTime64(3, 'UTC') CODEC(T64, LZ4),
    `day` Date DEFAULT toDate(timestamp) CODEC(ZSTD(1)),
    `name` LowCardinality(String),
    `visitor_id` UInt64,
    `session_id` UInt64 ALIAS bitXor(visitor_id, toUInt64(toUnixTimestamp64Milli(session_start)) * 11400714819323198485),
    `session_start` DateTime64(3, 'UTC'),
    `session_day` Date DEFAULT toDate(session_start) CODEC(ZSTD(1)),
    `session_first` UInt8 CODEC(T64, LZ4),
    `bounce_delta` Int8 CODEC(ZSTD(1)),
    `duration_delta_ms` UInt32 CODEC(T64, ZSTD(1)),
    `engaged_first` UInt8 CODEC(T64, LZ4),
    `scroll_gain` UInt8 CODEC(T64, LZ4),
    `entry_page` String CODEC(ZSTD(1)),
    `hostname` LowCardinality(String),
    `pathname` String,
    `referrer` String CODEC(ZSTD(1)),
    `referrer_source` LowCardinality(String),
    `utm_source` String CODEC(ZSTD(1)),
    `utm_medium` String CODEC(ZSTD(1)),
    `utm_campaign` String CODEC(ZSTD(1)),
    `utm_content` String CODEC(ZSTD(1)),
    `utm_term` String CODEC(ZSTD(1)),
    `click_id_param` LowCardinality(String) CODEC(ZSTD(1)),
    `channel` LowCardinality(String) CODEC(ZSTD(1)),
    `country_code` LowCardinality(String),
    `region` LowCardinality(String) CODEC(ZSTD(1)),
    `city` String CODEC(ZSTD(1)),
    `browser` LowCardinality(String),
    `browser_version` LowCardinality(String) CODEC(ZSTD(1)),
    `os` LowCardinality(String) CODEC(ZSTD(1)),
    `os_version` LowCardinality(String) CODEC(ZSTD(1)),
    `device_type` LowCardinality(String) CODEC(ZSTD(1)),
    `screen_size` LowCardinality(String) CODEC(ZSTD(1)),
    `locale` LowCardinality(String) CODEC(ZSTD(1)),
    `props` Map(String, String),
    `revenue_amount` Decimal(18, 6),
    `revenue_currency` LowCardinality(String) CODEC(ZSTD(1)),
    `scroll_depth` UInt8 CODEC(T64, LZ4),
    `engagement_ms` UInt32 CODEC(T64, LZ4),
    `page_title` String CODEC(ZSTD(1)),
    `content_type` LowCardinality(String),
    `author` LowCardinality(String) CODEC(ZSTD(1)),
    `categories` Array(LowCardinality(String)) CODEC(ZSTD(1)),
    `tags` Array(String) CODEC(ZSTD(1))
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(timestamp)
ORDER BY (property_id, toDate(timestamp), name, visitor_id, timestamp)
SAMPLE BY visitor_id
SETTINGS non_replicated_deduplication_window = 1000, index_granularity = 8192;

CREATE TABLE imported_breakdowns
(
    `property_id` UInt64,
    `import_id` UInt64,
    `dimension` LowCardinality(String),
    `date` Date,
    `value` String,
    `visitors` UInt64,
    `pageviews` UInt64,
    `events` UInt64,
    `visits` UInt64,
    `bounces` UInt64,
    `visit_duration` UInt64
)
ENGINE = ReplacingMergeTree
ORDER BY (property_id, dimension, date, value, import_id)
SETTINGS index_granularity = 8192;

CREATE TABLE imported_visitors
(
    `property_id` UInt64,
    `import_id` UInt64,
    `date` Date,
    `visitors` UInt64,
    `pageviews` UInt64,
    `bounces` UInt64,
    `visits` UInt64,
    `visit_duration` UInt64
)
ENGINE = ReplacingMergeTree
ORDER BY (property_id, date, import_id)
SETTINGS index_granularity = 8192;

CREATE TABLE rollup_daily
(
    `property_id` UInt64,
    `day` Date,
    `dimension` LowCardinality(String),
    `value` String,
    `visitor_sketch` AggregateFunction(uniqCombined(13), UInt64),
    `pageviews` SimpleAggregateFunction(sum, UInt64),
    `events` SimpleAggregateFunction(sum, UInt64),
    `engagements` SimpleAggregateFunction(sum, UInt64),
    `engaged_ms` SimpleAggregateFunction(sum, UInt64),
    `engaged_visits` SimpleAggregateFunction(sum, UInt64),
    `scroll_max_sum` SimpleAggregateFunction(sum, UInt64),
    `visits` SimpleAggregateFunction(sum, UInt64),
    `bounces` SimpleAggregateFunction(sum, Int64),
    `duration_ms` SimpleAggregateFunction(sum, UInt64),
    `revenue` SimpleAggregateFunction(sum, Decimal(38, 6))
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (property_id, dimension, day, value)
SETTINGS index_granularity = 256, non_replicated_deduplication_window = 1000;

CREATE TABLE rollup_hourly
(
    `property_id` UInt64,
    `hour` DateTime('UTC'),
    `visitor_sketch` AggregateFunction(uniqCombined(13), UInt64),
    `pageviews` SimpleAggregateFunction(sum, UInt64),
    `events` SimpleAggregateFunction(sum, UInt64),
    `visits` SimpleAggregateFunction(sum, UInt64),
    `bounces` SimpleAggregateFunction(sum, Int64),
    `duration_ms` SimpleAggregateFunction(sum, UInt64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (property_id, hour)
SETTINGS index_granularity = 64, non_replicated_deduplication_window = 1000;

CREATE TABLE rollup_monthly
(
    `property_id` UInt64,
    `month` Date,
    `dimension` LowCardinality(String),
    `value` String,
    `visitor_sketch` AggregateFunction(uniqCombined(13), UInt64),
    `pageviews` SimpleAggregateFunction(sum, UInt64),
    `events` SimpleAggregateFunction(sum, UInt64),
    `engagements` SimpleAggregateFunction(sum, UInt64),
    `engaged_ms` SimpleAggregateFunction(sum, UInt64),
    `engaged_visits` SimpleAggregateFunction(sum, UInt64),
    `scroll_max_sum` SimpleAggregateFunction(sum, UInt64),
    `visits` SimpleAggregateFunction(sum, UInt64),
    `bounces` SimpleAggregateFunction(sum, Int64),
    `duration_ms` SimpleAggregateFunction(sum, UInt64),
    `revenue` SimpleAggregateFunction(sum, Decimal(38, 6))
)
ENGINE = AggregatingMergeTree
PARTITION BY toYear(month)
ORDER BY (property_id, dimension, month, value)
SETTINGS index_granularity = 256, non_replicated_deduplication_window = 1000;

CREATE TABLE rollup_property
(
    `property_id` UInt64,
    `bucket` DateTime('UTC'),
    `visitors` AggregateFunction(uniq, UInt64),
    `pageviews` SimpleAggregateFunction(sum, UInt64),
    `events` SimpleAggregateFunction(sum, UInt64),
    `visits` SimpleAggregateFunction(sum, UInt64),
    `bounces` SimpleAggregateFunction(sum, Int64),
    `duration_ms` SimpleAggregateFunction(sum, UInt64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(bucket)
ORDER BY (property_id, bucket)
SETTINGS non_replicated_deduplication_window = 1000, index_granularity = 8192;

CREATE TABLE sessions
(
    `property_id` UInt64,
    `session_start` DateTime64(3, 'UTC') CODEC(T64, LZ4),
    `session_id` UInt64 ALIAS bitXor(visitor_id, toUInt64(toUnixTimestamp64Milli(session_start)) * 11400714819323198485),
    `visitor_id` UInt64,
    `session_end` SimpleAggregateFunction(max, DateTime64(3, 'UTC')) CODEC(T64, LZ4),
    `pageviews` SimpleAggregateFunction(sum, UInt64) CODEC(T64, LZ4),
    `events` SimpleAggregateFunction(sum, UInt64) CODEC(T64, LZ4),
    `bounce` SimpleAggregateFunction(sum, Int64) CODEC(T64, LZ4),
    `duration_ms` SimpleAggregateFunction(sum, UInt64) CODEC(T64, LZ4),
    `entry_page` SimpleAggregateFunction(any, String) CODEC(ZSTD(1)),
    `last_pageview` SimpleAggregateFunction(max, Tuple(
        DateTime64(3, 'UTC'),
        String,
        String)) CODEC(ZSTD(1)),
    `entry_hostname` SimpleAggregateFunction(any, LowCardinality(Nullable(String))) CODEC(ZSTD(1)),
    `referrer` SimpleAggregateFunction(any, String) CODEC(ZSTD(1)),
    `referrer_source` SimpleAggregateFunction(any, LowCardinality(String)) CODEC(ZSTD(1)),
    `utm_source` SimpleAggregateFunction(any, String) CODEC(ZSTD(1)),
    `utm_medium` SimpleAggregateFunction(any, String) CODEC(ZSTD(1)),
    `utm_campaign` SimpleAggregateFunction(any, String) CODEC(ZSTD(1)),
    `utm_content` SimpleAggregateFunction(any, String) CODEC(ZSTD(1)),
    `utm_term` SimpleAggregateFunction(any, String) CODEC(ZSTD(1)),
    `country_code` SimpleAggregateFunction(any, LowCardinality(String)) CODEC(ZSTD(1)),
    `region` SimpleAggregateFunction(any, LowCardinality(String)) CODEC(ZSTD(1)),
    `city` SimpleAggregateFunction(any, String) CODEC(ZSTD(1)),
    `browser` SimpleAggregateFunction(any, LowCardinality(String)) CODEC(ZSTD(1)),
    `browser_version` SimpleAggregateFunction(any, LowCardinality(String)) CODEC(ZSTD(1)),
    `os` SimpleAggregateFunction(any, LowCardinality(String)) CODEC(ZSTD(1)),
    `os_version` SimpleAggregateFunction(any, LowCardinality(String)) CODEC(ZSTD(1)),
    `device_type` SimpleAggregateFunction(any, LowCardinality(String)) CODEC(ZSTD(1)),
    `screen_size` SimpleAggregateFunction(any, LowCardinality(String)) CODEC(ZSTD(1)),
    `locale` SimpleAggregateFunction(any, LowCardinality(String)) CODEC(ZSTD(1)),
    `channel` SimpleAggregateFunction(max, LowCardinality(String)) CODEC(ZSTD(1)),
    `pages` SimpleAggregateFunction(groupUniqArrayArray, Array(String)) CODEC(ZSTD(1))
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(session_start)
ORDER BY (property_id, toDate(session_start), visitor_id, session_start)
SAMPLE BY visitor_id
SETTINGS non_replicated_deduplication_window = 1000, index_granularity = 8192;

CREATE MATERIALIZED VIEW rollup_daily_events_mv TO rollup_daily
(
    `property_id` UInt64,
    `day` Date,
    `dimension` String,
    `value` String,
    `visitor_sketch` AggregateFunction(uniqCombinedIf(13), UInt64, UInt8),
    `pageviews` UInt64,
    `events` UInt64,
    `engagements` UInt64,
    `engaged_ms` UInt64,
    `engaged_visits` UInt64,
    `scroll_max_sum` UInt64,
    `revenue` Decimal(38, 6)
)
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
ARRAY JOIN [('', ''), ('event:name', toString(name)), ('event:page', pathname), ('event:page_type', toString(content_type)), ('event:author', toString(author)), ('visit:entry_page', entry_page), ('visit:source', toString(referrer_source)), ('visit:referrer', referrer), ('visit:utm_source', utm_source), ('visit:utm_medium', utm_medium), ('visit:utm_campaign', utm_campaign), ('visit:utm_content', utm_content), ('visit:utm_term', utm_term), ('visit:country', toString(country_code)), ('visit:region', toString(region)), ('visit:city', city), ('visit:browser', toString(browser)), ('visit:browser_version', toString(browser_version)), ('visit:os', toString(os)), ('visit:os_version', toString(os_version)), ('visit:device', toString(device_type)), ('visit:screen', toString(screen_size)), ('visit:locale', toString(locale)), ('visit:channel', toString(channel)), ('goal:pageview', if(name = 'pageview', pathname, '')), ('goal:revenue', if(revenue_currency = '', '', concat(toString(revenue_currency), ':', toString(name)))), ('goal:page_dir', if(name = 'pageview', substring(pathname, 1, (length(pathname) - position(reverse(pathname), '/')) + 1), ''))] AS pair
GROUP BY
    property_id,
    day,
    dimension,
    value;

CREATE MATERIALIZED VIEW rollup_daily_sessions_mv TO rollup_daily
(
    `property_id` UInt64,
    `day` Date,
    `dimension` String,
    `value` String,
    `visits` UInt64,
    `bounces` Int64,
    `duration_ms` UInt64
)
AS SELECT
    property_id,
    session_day AS day,
    tupleElement(pair, 1) AS dimension,
    tupleElement(pair, 2) AS value,
    sum(session_first) AS visits,
    sum(bounce_delta) AS bounces,
    sum(duration_delta_ms) AS duration_ms
FROM events
ARRAY JOIN [('', ''), ('visit:entry_page', entry_page), ('visit:source', toString(referrer_source)), ('visit:referrer', referrer), ('visit:utm_source', utm_source), ('visit:utm_medium', utm_medium), ('visit:utm_campaign', utm_campaign), ('visit:utm_content', utm_content), ('visit:utm_term', utm_term), ('visit:country', toString(country_code)), ('visit:region', toString(region)), ('visit:city', city), ('visit:browser', toString(browser)), ('visit:browser_version', toString(browser_version)), ('visit:os', toString(os)), ('visit:os_version', toString(os_version)), ('visit:device', toString(device_type)), ('visit:screen', toString(screen_size)), ('visit:locale', toString(locale)), ('visit:channel', toString(channel))] AS pair
WHERE (session_first = 1) OR (bounce_delta != 0) OR (duration_delta_ms != 0)
GROUP BY
    property_id,
    day,
    dimension,
    value;

CREATE MATERIALIZED VIEW rollup_hourly_events_mv TO rollup_hourly
(
    `property_id` UInt64,
    `hour` DateTime('UTC'),
    `visitor_sketch` AggregateFunction(uniqCombined(13), UInt64),
    `pageviews` UInt64,
    `events` UInt64
)
AS SELECT
    property_id,
    toStartOfHour(timestamp) AS hour,
    uniqCombinedState(13)(visitor_id) AS visitor_sketch,
    countIf(name = 'pageview') AS pageviews,
    count() AS events
FROM events
WHERE name != 'engagement'
GROUP BY
    property_id,
    hour;

CREATE MATERIALIZED VIEW rollup_hourly_sessions_mv TO rollup_hourly
(
    `property_id` UInt64,
    `hour` DateTime('UTC'),
    `visits` UInt64,
    `bounces` Int64,
    `duration_ms` UInt64
)
AS SELECT
    property_id,
    toStartOfHour(session_start) AS hour,
    sum(session_first) AS visits,
    sum(bounce_delta) AS bounces,
    sum(duration_delta_ms) AS duration_ms
FROM events
GROUP BY
    property_id,
    hour;

CREATE MATERIALIZED VIEW rollup_monthly_mv TO rollup_monthly
(
    `property_id` UInt64,
    `month` Date,
    `dimension` LowCardinality(String),
    `value` String,
    `visitor_sketch` AggregateFunction(uniqCombined(13), UInt64),
    `pageviews` UInt64,
    `events` UInt64,
    `engagements` UInt64,
    `engaged_ms` UInt64,
    `engaged_visits` UInt64,
    `scroll_max_sum` UInt64,
    `visits` UInt64,
    `bounces` Int64,
    `duration_ms` UInt64,
    `revenue` Decimal(38, 6)
)
AS SELECT
    property_id,
    toStartOfMonth(day) AS month,
    dimension,
    value,
    uniqCombinedMergeState(13)(visitor_sketch) AS visitor_sketch,
    sum(pageviews) AS pageviews,
    sum(events) AS events,
    sum(engagements) AS engagements,
    sum(engaged_ms) AS engaged_ms,
    sum(engaged_visits) AS engaged_visits,
    sum(scroll_max_sum) AS scroll_max_sum,
    sum(visits) AS visits,
    sum(bounces) AS bounces,
    sum(duration_ms) AS duration_ms,
    sum(revenue) AS revenue
FROM rollup_daily
GROUP BY
    property_id,
    month,
    dimension,
    value;

CREATE MATERIALIZED VIEW rollup_property_events_mv TO rollup_property
(
    `property_id` UInt64,
    `bucket` DateTime('UTC'),
    `visitors` AggregateFunction(uniq, UInt64),
    `pageviews` UInt64,
    `events` UInt64
)
AS SELECT
    property_id,
    toStartOfFifteenMinutes(timestamp) AS bucket,
    uniqState(visitor_id) AS visitors,
    countIf(name = 'pageview') AS pageviews,
    count() AS events
FROM events
WHERE name != 'engagement'
GROUP BY
    property_id,
    bucket;

CREATE MATERIALIZED VIEW rollup_property_sessions_mv TO rollup_property
(
    `property_id` UInt64,
    `bucket` DateTime('UTC'),
    `visits` UInt64,
    `bounces` Int64,
    `duration_ms` UInt64
)
AS SELECT
    property_id,
    toStartOfFifteenMinutes(session_start) AS bucket,
    sum(session_first) AS visits,
    sum(bounce_delta) AS bounces,
    sum(duration_delta_ms) AS duration_ms
FROM events
GROUP BY
    property_id,
    bucket;

CREATE MATERIALIZED VIEW sessions_mv TO sessions
(
    `property_id` UInt64,
    `session_start` DateTime64(3, 'UTC'),
    `visitor_id` UInt64,
    `session_end` DateTime64(3, 'UTC'),
    `pageviews` UInt64,
    `events` UInt64,
    `bounce` Int64,
    `duration_ms` UInt64,
    `entry_page` String,
    `last_pageview` Tuple(
        DateTime64(3, 'UTC'),
        String,
        String),
    `entry_hostname` Nullable(String),
    `referrer` String,
    `referrer_source` String,
    `utm_source` String,
    `utm_medium` String,
    `utm_campaign` String,
    `utm_content` String,
    `utm_term` String,
    `country_code` String,
    `region` String,
    `city` String,
    `browser` String,
    `browser_version` String,
    `os` String,
    `os_version` String,
    `device_type` String,
    `screen_size` String,
    `locale` String,
    `channel` String,
    `pages` Array(String)
)
AS SELECT
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
GROUP BY
    property_id,
    session_start,
    visitor_id;
