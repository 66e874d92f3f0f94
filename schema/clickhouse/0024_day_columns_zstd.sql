-- The events' two day columns (0023) with ZSTD(1): within a UTC day the events are sorted by name and visitor, so where
-- two local days meet the day changes from row to row, which LZ4 keeps at 0.26 bytes an event a column and ZSTD(1) at
-- 0.10 (September's 10.4M events of the 100M bench, in the table's order). Only the views read them, from the insert
-- block: no query reads them from disk. Parts written before keep LZ4 until a merge writes them again.
ALTER TABLE events MODIFY COLUMN day Date DEFAULT toDate(timestamp) CODEC(ZSTD(1));

ALTER TABLE events MODIFY COLUMN session_day Date DEFAULT toDate(session_start) CODEC(ZSTD(1));
