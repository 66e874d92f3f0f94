-- Codecs chosen column by column by measurement (a month of the bench's events, 8.7M, each candidate a column of one
-- table merged to a part; docs/benchmarks.md). Events and sessions take 19% fewer bytes at 100M events; the filtered
-- views read 4-10% slower, about half of it the LowCardinality keys', and bulk load costs about as much CPU:
-- - T64 for times and counts: it keeps only the bits a block of 64 values uses. The event time takes 3.5 bytes an
--   event instead of 5.3 and is read faster (21 ms instead of 30-37 for the month); durations, engagement, the
--   one-byte flags and the sessions' times and counters shrink by a third to nine tenths, read as fast. Not the
--   events' session start: 2.97 bytes with T64 against 2.73.
-- - ZSTD(1) for LowCardinality columns (their one-byte keys compress with LZ4 hardly at all: 0.3 bytes instead of
--   0.5 each), for the events' entry page (only an entry-page filter on raw events reads it) and for the sessions'
--   pages.
-- Not taken:
-- - Delta for the visitor id. It ascends within a day and event name (the sort key), and Delta halves the bench's ids,
--   but those are not spread over 64 bits as collect's HMAC ids are: on such ids (sipHash64 of the bench's) Delta took
--   3.49 bytes against 3.44, and read a third slower.
-- - ZSTD, LZ4HC or LowCardinality for the hot page and id columns. ZSTD reads 1.4-1.8 times slower. LZ4HC(9) halves
--   the page path, but bulk load costs 30% more CPU. LowCardinality pages read 8 times faster with 20 distinct paths a
--   month, but 2.7 times slower with 200,000 (a news site's month).
-- Parts stored before are written again with these codecs (every partition merged anew, with progress; a stopped run
-- resumes). The rows do not change.
ALTER TABLE events
    MODIFY COLUMN timestamp DateTime64(3, 'UTC') CODEC(T64, LZ4),
    MODIFY COLUMN session_first UInt8 CODEC(T64, LZ4),
    MODIFY COLUMN bounce_delta Int8 CODEC(T64, LZ4),
    MODIFY COLUMN duration_delta_ms UInt32 CODEC(T64, LZ4),
    MODIFY COLUMN engaged_first UInt8 CODEC(T64, LZ4),
    MODIFY COLUMN scroll_gain UInt8 CODEC(T64, LZ4),
    MODIFY COLUMN scroll_depth UInt8 CODEC(T64, LZ4),
    MODIFY COLUMN engagement_ms UInt32 CODEC(T64, LZ4),
    MODIFY COLUMN entry_page String CODEC(ZSTD(1)),
    MODIFY COLUMN hostname LowCardinality(String) CODEC(ZSTD(1)),
    MODIFY COLUMN referrer_source LowCardinality(String) CODEC(ZSTD(1)),
    MODIFY COLUMN click_id_param LowCardinality(String) CODEC(ZSTD(1)),
    MODIFY COLUMN channel LowCardinality(String) CODEC(ZSTD(1)),
    MODIFY COLUMN country_code LowCardinality(String) CODEC(ZSTD(1)),
    MODIFY COLUMN region LowCardinality(String) CODEC(ZSTD(1)),
    MODIFY COLUMN browser LowCardinality(String) CODEC(ZSTD(1)),
    MODIFY COLUMN browser_version LowCardinality(String) CODEC(ZSTD(1)),
    MODIFY COLUMN os LowCardinality(String) CODEC(ZSTD(1)),
    MODIFY COLUMN os_version LowCardinality(String) CODEC(ZSTD(1)),
    MODIFY COLUMN device_type LowCardinality(String) CODEC(ZSTD(1)),
    MODIFY COLUMN screen_size LowCardinality(String) CODEC(ZSTD(1)),
    MODIFY COLUMN locale LowCardinality(String) CODEC(ZSTD(1)),
    MODIFY COLUMN revenue_currency LowCardinality(String) CODEC(ZSTD(1)),
    MODIFY COLUMN content_type LowCardinality(String) CODEC(ZSTD(1)),
    MODIFY COLUMN author LowCardinality(String) CODEC(ZSTD(1));

ALTER TABLE sessions
    MODIFY COLUMN session_start DateTime64(3, 'UTC') CODEC(T64, LZ4),
    MODIFY COLUMN session_end SimpleAggregateFunction(max, DateTime64(3, 'UTC')) CODEC(T64, LZ4),
    MODIFY COLUMN pageviews SimpleAggregateFunction(sum, UInt64) CODEC(T64, LZ4),
    MODIFY COLUMN events SimpleAggregateFunction(sum, UInt64) CODEC(T64, LZ4),
    MODIFY COLUMN bounce SimpleAggregateFunction(sum, Int64) CODEC(T64, LZ4),
    MODIFY COLUMN duration_ms SimpleAggregateFunction(sum, UInt64) CODEC(T64, LZ4),
    MODIFY COLUMN entry_page SimpleAggregateFunction(any, String) CODEC(ZSTD(1)),
    MODIFY COLUMN exit_page AggregateFunction(argMax, String, DateTime64(3, 'UTC')) CODEC(ZSTD(1)),
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

-- rewrite: events, sessions
