-- Columns that few queries read are compressed with ZSTD(1) instead of the default LZ4: about half their size, at a
-- higher cost to decompress that only the queries reading them pay. Measured on a month of the bench's events (8.5M;
-- docs/benchmarks.md): events 50.7 bytes an event with LZ4 everywhere, 27.6 with ZSTD(1) everywhere, but a scan of
-- pathname took 2.8 times the CPU with ZSTD, of timestamp 1.8 times, of visitor_id 1.8 times; so the columns every
-- report reads (time, ids, names, pages, the visit attributes of the main panels) keep LZ4, and the text that only a
-- drill-down, a panel of its own or an export reads (titles, cities, referrer URLs, UTM tags, categories, tags, the
-- previous page) and the sessions' states of the same attributes take ZSTD. Parts written before keep LZ4 until
-- ClickHouse merges them (OPTIMIZE TABLE ... FINAL rewrites them at once); both read the same.
ALTER TABLE events
    MODIFY COLUMN page_title String CODEC(ZSTD(1)),
    MODIFY COLUMN city String CODEC(ZSTD(1)),
    MODIFY COLUMN referrer String CODEC(ZSTD(1)),
    MODIFY COLUMN prev_pathname String CODEC(ZSTD(1)),
    MODIFY COLUMN categories Array(LowCardinality(String)) CODEC(ZSTD(1)),
    MODIFY COLUMN tags Array(String) CODEC(ZSTD(1)),
    MODIFY COLUMN utm_source String CODEC(ZSTD(1)),
    MODIFY COLUMN utm_medium String CODEC(ZSTD(1)),
    MODIFY COLUMN utm_campaign String CODEC(ZSTD(1)),
    MODIFY COLUMN utm_content String CODEC(ZSTD(1)),
    MODIFY COLUMN utm_term String CODEC(ZSTD(1));

ALTER TABLE sessions
    MODIFY COLUMN hostname AggregateFunction(argMin, String, DateTime64(3, 'UTC')) CODEC(ZSTD(1)),
    MODIFY COLUMN exit_hostname AggregateFunction(argMax, String, DateTime64(3, 'UTC')) CODEC(ZSTD(1)),
    MODIFY COLUMN referrer AggregateFunction(argMin, String, DateTime64(3, 'UTC')) CODEC(ZSTD(1)),
    MODIFY COLUMN utm_source AggregateFunction(argMin, String, DateTime64(3, 'UTC')) CODEC(ZSTD(1)),
    MODIFY COLUMN utm_medium AggregateFunction(argMin, String, DateTime64(3, 'UTC')) CODEC(ZSTD(1)),
    MODIFY COLUMN utm_campaign AggregateFunction(argMin, String, DateTime64(3, 'UTC')) CODEC(ZSTD(1)),
    MODIFY COLUMN utm_content AggregateFunction(argMin, String, DateTime64(3, 'UTC')) CODEC(ZSTD(1)),
    MODIFY COLUMN utm_term AggregateFunction(argMin, String, DateTime64(3, 'UTC')) CODEC(ZSTD(1)),
    MODIFY COLUMN city SimpleAggregateFunction(any, String) CODEC(ZSTD(1));
