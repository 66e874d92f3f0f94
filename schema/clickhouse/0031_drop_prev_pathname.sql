-- events.prev_pathname goes: the previous pageview's path fed only the page rollup's exits, and the page rollup went in
-- 0030. It took 0.69 bytes an event on the bench's 100M events. Dropping a column removes its files from each part and
-- links the rest, so it costs no rewrite. Spool segments written before list it in their header; the batcher reads past
-- its values (EventsTable.NotInserted).
ALTER TABLE events DROP COLUMN IF EXISTS prev_pathname;
