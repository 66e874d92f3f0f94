-- The page rollup goes (rollup_page and its two views): 1.81 bytes an event on the bench's 100M events and 3.15 on 10M,
-- mostly its per-quarter-hour uniq states of visitors. Since the rollups' days are the owner's (0023), whole days of
-- pages come from rollup_daily; what rollup_page still answered, page slices that are not whole days (the hourly
-- graph of a page-filtered day or week, API ranges off the day grid), raw events answer nearly as fast (a day of
-- /pricing by the hour on 100M events: 14-15 ms against 10-11; a week: 30-34 against 21-24; docs/benchmarks.md). Its
-- entries and exits were read by no report.
DROP VIEW IF EXISTS rollup_page_events_mv;

DROP VIEW IF EXISTS rollup_page_sessions_mv;

DROP TABLE IF EXISTS rollup_page SYNC;
