-- Events a property did not keep, counted per reason and UTC day (bot, hostname not allowed, Do Not Track, a page on
-- localhost without data-local...), for the installation check. Collect adds to them every few seconds; the detail is
-- the last refused hostname where that is the reason. Days older than 30 are deleted by the hourly retention pass.
CREATE TABLE property_drops (
    property_id bigint NOT NULL REFERENCES properties (id) ON DELETE CASCADE,
    reason text NOT NULL,
    day date NOT NULL,
    count bigint NOT NULL,
    last_at timestamptz NOT NULL,
    last_detail text,
    PRIMARY KEY (property_id, reason, day)
);
