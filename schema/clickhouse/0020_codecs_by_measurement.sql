-- Codecs chosen column by column by measurement (a month of the bench's events, 8.7M, each candidate a column of one
-- table merged to a part; docs/benchmarks.md):
-- - T64 for times and counts: it keeps only the bits a block of 64 values uses. The event time takes 3.5 bytes an
--   event instead of 5.3 and is read faster (21 ms instead of 30-37 for the month); durations, engagement, the
--   one-byte flags and the sessions' times and counters shrink by a third to nine tenths, read as fast. Not the
--   events' session start: 2.97 bytes with T64 against 2.73.
-- - ZSTD(1) for the events' entry page (only an entry-page filter on raw events reads it) and the sessions' pages.
-- Not taken:
-- - Delta for the visitor id. It ascends within a day and event name (the sort key), and Delta halves the bench's ids,
--   but those are not spread over 64 bits as collect's HMAC ids are: on such ids (sipHash64 of the bench's) Delta took
--   3.49 bytes against 3.44, and read a third slower.
-- - ZSTD(1) for the LowCardinality columns: their one-byte keys take 0.3 bytes instead of 0.5 each (3.3 bytes an
--   event in all), but the filtered views, which read them, were 4-10% slower with every codec of this file, about
--   half of it these keys', and the dashboard's filter click in Chromium 10-25%.
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
    MODIFY COLUMN entry_page String CODEC(ZSTD(1));

ALTER TABLE sessions
    MODIFY COLUMN session_start DateTime64(3, 'UTC') CODEC(T64, LZ4),
    MODIFY COLUMN session_end SimpleAggregateFunction(max, DateTime64(3, 'UTC')) CODEC(T64, LZ4),
    MODIFY COLUMN pageviews SimpleAggregateFunction(sum, UInt64) CODEC(T64, LZ4),
    MODIFY COLUMN events SimpleAggregateFunction(sum, UInt64) CODEC(T64, LZ4),
    MODIFY COLUMN bounce SimpleAggregateFunction(sum, Int64) CODEC(T64, LZ4),
    MODIFY COLUMN duration_ms SimpleAggregateFunction(sum, UInt64) CODEC(T64, LZ4),
    MODIFY COLUMN entry_page SimpleAggregateFunction(any, String) CODEC(ZSTD(1)),
    MODIFY COLUMN exit_page AggregateFunction(argMax, String, DateTime64(3, 'UTC')) CODEC(ZSTD(1));

-- rewrite: events, sessions
