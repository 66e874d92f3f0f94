-- API keys are scoped: to every property their owner may read (all_properties), or to the listed ones. Keys made
-- before scopes existed keep seeing every property, as they did.
ALTER TABLE api_keys ADD COLUMN all_properties boolean NOT NULL DEFAULT true;

CREATE TABLE api_key_properties (
    key_id bigint NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
    property_id bigint NOT NULL REFERENCES properties (id) ON DELETE CASCADE,
    PRIMARY KEY (key_id, property_id)
);

-- The day weekly reports start on, ISO numbering: 1 = Monday ... 7 = Sunday.
ALTER TABLE properties ADD COLUMN week_start smallint NOT NULL DEFAULT 1 CHECK (week_start BETWEEN 1 AND 7);
