-- The zone a property's rollup days are in (ClickHouse's rollup_daily and rollup_monthly, schema/clickhouse/0023): its
-- time zone when it was added, so that its reports' days are whole rows of the rollups and no raw events are read at a
-- range's ends. It does not follow a later change of the time zone (the rollups are written once); reports stay exact
-- then, and read the partial days at a range's ends from raw events. Properties added before this have UTC days.
ALTER TABLE properties ADD COLUMN day_zone text NOT NULL DEFAULT 'UTC';
