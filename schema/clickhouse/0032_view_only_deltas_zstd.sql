-- The events' visit-duration and bounce deltas are read by the views alone, from each insert's block: no report reads
-- them from the table (its session metrics come from sessions and the rollups), so how fast they decompress matters
-- only to merges. They take ZSTD(1) after T64 (the duration) and ZSTD(1) (the bounce delta) instead of T64 and LZ4:
-- on a month of the bench's 100M events (8.5M, merged to a part) 1.106 -> 0.879 and 0.125 -> 0.101 bytes an event
-- (docs/benchmarks.md). A codec changed alone is metadata: parts stored before keep theirs until ClickHouse merges them.
ALTER TABLE events
    MODIFY COLUMN duration_delta_ms UInt32 CODEC(T64, ZSTD(1)),
    MODIFY COLUMN bounce_delta Int8 CODEC(ZSTD(1));
