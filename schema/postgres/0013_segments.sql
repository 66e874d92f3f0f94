-- Saved segments: a named set of filters (the Stats API's JSON filter list) for a property, personal (seen by the
-- user who saved it) or shared with everyone who reads the property. Reports take ["is", "segment", [id]] as
-- Plausible's Stats API does, and apply the segment's filters as they are when the report runs.
CREATE TABLE segments (
    id bigserial PRIMARY KEY,
    property_id bigint NOT NULL REFERENCES properties (id) ON DELETE CASCADE,
    user_id bigint REFERENCES users (id) ON DELETE CASCADE,
    name text NOT NULL,
    filters text NOT NULL,
    shared boolean NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK (shared OR user_id IS NOT NULL)
);
CREATE INDEX segments_property ON segments (property_id);
