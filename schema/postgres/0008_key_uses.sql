-- What a key may do: read statistics (stats:read; every key made before could only do that), send events on behalf
-- of a backend's visitors (events: collect then takes the visitor's address from X-Forwarded-For and limits the rate
-- per key, not per sending address), and manage its properties' goals through Plausible's Sites API (sites).
ALTER TABLE api_keys ADD COLUMN scopes text[] NOT NULL DEFAULT ARRAY['stats:read']
    CHECK (cardinality(scopes) > 0 AND scopes <@ ARRAY['stats:read', 'events', 'sites']);
