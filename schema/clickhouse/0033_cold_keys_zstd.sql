-- The LowCardinality keys that a dashboard's first view does not read take ZSTD(1) instead of LZ4, as the text read
-- only by a tab, a filter or an export of its own did in 0014 and 0020. A filtered first view reads from raw events
-- the first tab of each panel (source, country, browser, page type), the name and the hostname: those keep LZ4. On a
-- month of the bench's 100M events (8.5M, merged to a part), the nine largest of the others took 4.30 -> 2.34 bytes
-- an event (region 0.601 -> 0.365), and the statements that read them (a region tab under a source filter, top pages
-- under an OS filter) ran 0-3% slower (docs/benchmarks.md). Every key of `sessions` takes ZSTD(1) too: a visit is one
-- row for 5.6 events, and grouping a month's visits by five keys took as long as with LZ4 (1.35 -> 0.69 bytes an
-- event). A codec changed alone is metadata: parts stored before keep theirs until ClickHouse merges them.
ALTER TABLE events
    MODIFY COLUMN click_id_param LowCardinality(String) CODEC(ZSTD(1)),
    MODIFY COLUMN channel LowCardinality(String) CODEC(ZSTD(1)),
    MODIFY COLUMN region LowCardinality(String) CODEC(ZSTD(1)),
    MODIFY COLUMN browser_version LowCardinality(String) CODEC(ZSTD(1)),
    MODIFY COLUMN os LowCardinality(String) CODEC(ZSTD(1)),
    MODIFY COLUMN os_version LowCardinality(String) CODEC(ZSTD(1)),
    MODIFY COLUMN device_type LowCardinality(String) CODEC(ZSTD(1)),
    MODIFY COLUMN screen_size LowCardinality(String) CODEC(ZSTD(1)),
    MODIFY COLUMN locale LowCardinality(String) CODEC(ZSTD(1)),
    MODIFY COLUMN revenue_currency LowCardinality(String) CODEC(ZSTD(1)),
    MODIFY COLUMN author LowCardinality(String) CODEC(ZSTD(1));

ALTER TABLE sessions
    MODIFY COLUMN entry_hostname SimpleAggregateFunction(any, LowCardinality(Nullable(String))) CODEC(ZSTD(1)),
    MODIFY COLUMN referrer_source SimpleAggregateFunction(any, LowCardinality(String)) CODEC(ZSTD(1)),
    MODIFY COLUMN country_code SimpleAggregateFunction(any, LowCardinality(String)) CODEC(ZSTD(1)),
    MODIFY COLUMN region SimpleAggregateFunction(any, LowCardinality(String)) CODEC(ZSTD(1)),
    MODIFY COLUMN browser SimpleAggregateFunction(any, LowCardinality(String)) CODEC(ZSTD(1)),
    MODIFY COLUMN browser_version SimpleAggregateFunction(any, LowCardinality(String)) CODEC(ZSTD(1)),
    MODIFY COLUMN os SimpleAggregateFunction(any, LowCardinality(String)) CODEC(ZSTD(1)),
    MODIFY COLUMN os_version SimpleAggregateFunction(any, LowCardinality(String)) CODEC(ZSTD(1)),
    MODIFY COLUMN device_type SimpleAggregateFunction(any, LowCardinality(String)) CODEC(ZSTD(1)),
    MODIFY COLUMN screen_size SimpleAggregateFunction(any, LowCardinality(String)) CODEC(ZSTD(1)),
    MODIFY COLUMN locale SimpleAggregateFunction(any, LowCardinality(String)) CODEC(ZSTD(1)),
    MODIFY COLUMN channel SimpleAggregateFunction(max, LowCardinality(String)) CODEC(ZSTD(1));
