-- Events sorted by country within each day and event name (before the visitor). Country is a visit's attribute,
-- stamped on each of its events, so a visit's events stay together, and a country's events of a day are a few
-- granules instead of a share of every granule: a filter on a country reads those alone. On 3 months of the bench's
-- 100M events (docs/benchmarks.md) the top pages under `country is DE` took 345-365 -> 145-160 ms, the view's one scan
-- of sources, browsers and devices 212-243 -> 137-152 ms; other filters and the funnel as before; and the country,
-- region and city columns, now in long runs, 2.57 -> 0.62 bytes an event (the visitor's 0.08 more). A sampled read (1/10) skips fewer
-- granules: 30-45 -> 55-75 ms.
-- A sorting key cannot gain a column in its middle, so the events stored before are converted by code right after
-- this file (Analytics.Storage/ClickHouse/Migrations/TableConversion.cs, named on the last line): each partition is
-- written as it is to events_next; then the two tables are exchanged (the views that read events follow the name) and
-- the old one dropped.
CREATE TABLE IF NOT EXISTS events_next
(
    property_id UInt64,
    timestamp DateTime64(3, 'UTC') CODEC(T64, LZ4),
    day Date DEFAULT toDate(timestamp) CODEC(ZSTD(1)),
    name LowCardinality(String),
    visitor_id UInt64,
    session_id UInt64,
    session_start DateTime64(3, 'UTC'),
    session_day Date DEFAULT toDate(session_start) CODEC(ZSTD(1)),
    session_first UInt8 CODEC(T64, LZ4),
    bounce_delta Int8 CODEC(T64, LZ4),
    duration_delta_ms UInt32 CODEC(T64, LZ4),
    engaged_first UInt8 CODEC(T64, LZ4),
    scroll_gain UInt8 CODEC(T64, LZ4),
    prev_pathname String CODEC(ZSTD(1)),
    entry_page String CODEC(ZSTD(1)),
    hostname LowCardinality(String),
    pathname String,
    referrer String CODEC(ZSTD(1)),
    referrer_source LowCardinality(String),
    utm_source String CODEC(ZSTD(1)),
    utm_medium String CODEC(ZSTD(1)),
    utm_campaign String CODEC(ZSTD(1)),
    utm_content String CODEC(ZSTD(1)),
    utm_term String CODEC(ZSTD(1)),
    click_id_param LowCardinality(String),
    channel LowCardinality(String),
    country_code LowCardinality(String),
    region LowCardinality(String),
    city String CODEC(ZSTD(1)),
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
    scroll_depth UInt8 CODEC(T64, LZ4),
    engagement_ms UInt32 CODEC(T64, LZ4),
    page_title String CODEC(ZSTD(1)),
    content_type LowCardinality(String),
    author LowCardinality(String),
    categories Array(LowCardinality(String)) CODEC(ZSTD(1)),
    tags Array(String) CODEC(ZSTD(1))
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(timestamp)
ORDER BY (property_id, toDate(timestamp), name, country_code, visitor_id, timestamp)
SAMPLE BY visitor_id
SETTINGS non_replicated_deduplication_window = 1000, index_granularity = 8192;

-- code: EventsByCountry
