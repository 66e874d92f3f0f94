-- Per-property controls: the hostnames whose events are kept (empty: any; "*.example.com" for subdomains), how many
-- days of events are kept (NULL: all), and whether browsers' Do Not Track and Global Privacy Control signals are
-- honoured (such events are dropped).
ALTER TABLE properties ADD COLUMN allowed_hostnames text[] NOT NULL DEFAULT '{}';
ALTER TABLE properties ADD COLUMN retention_days integer CHECK (retention_days BETWEEN 1 AND 36500);
ALTER TABLE properties ADD COLUMN honor_do_not_track boolean NOT NULL DEFAULT false;
