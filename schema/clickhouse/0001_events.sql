-- Raw events: one row per accepted event. Timestamps are UTC; every range query converts the owner's local range to UTC first.
-- The session bookkeeping columns (session_*, bounce_delta, duration_delta_ms, prev_pathname) are filled at collect time
-- by the session assigner, so that the views below can keep session metrics with plain sums (docs/architecture.md).
CREATE TABLE IF NOT EXISTS events
(
    property_id UInt64,
    timestamp DateTime64(3, 'UTC'),
    name LowCardinality(String),
    visitor_id UInt64,
    session_id UInt64,
    session_start DateTime64(3, 'UTC'),
    session_first UInt8,
    bounce_delta Int8,
    duration_delta_ms UInt32,
    prev_pathname String,
    hostname LowCardinality(String),
    pathname String,
    referrer String,
    referrer_source LowCardinality(String),
    utm_source String,
    utm_medium String,
    utm_campaign String,
    utm_content String,
    utm_term String,
    click_id_param LowCardinality(String),
    country_code LowCardinality(String),
    region LowCardinality(String),
    city String,
    browser LowCardinality(String),
    browser_version LowCardinality(String),
    os LowCardinality(String),
    os_version LowCardinality(String),
    device_type LowCardinality(String),
    screen_size LowCardinality(String),
    locale LowCardinality(String),
    props Map(String, String),
    revenue_amount Decimal(18, 6),
    revenue_currency LowCardinality(String),
    scroll_depth UInt8,
    engagement_ms UInt32,
    page_title String,
    content_type LowCardinality(String),
    author LowCardinality(String),
    categories Array(LowCardinality(String)),
    tags Array(String)
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(timestamp)
ORDER BY (property_id, toDate(timestamp), name, visitor_id, timestamp)
SETTINGS non_replicated_deduplication_window = 1000;
