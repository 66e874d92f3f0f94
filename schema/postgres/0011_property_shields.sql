-- Shields: the traffic an owner keeps out of a property. Collect drops events from these addresses and ranges
-- (text: 203.0.113.7, 203.0.113.0/24, 2001:db8::/48), on pages matching these patterns (* within a segment, **
-- across), and from these countries (ISO 3166-1 codes), and counts them per reason in property_drops. The rules are
-- the owner's configuration; visitors' addresses are never stored.
ALTER TABLE properties ADD COLUMN excluded_ips text[] NOT NULL DEFAULT '{}';
ALTER TABLE properties ADD COLUMN excluded_pages text[] NOT NULL DEFAULT '{}';
ALTER TABLE properties ADD COLUMN excluded_countries text[] NOT NULL DEFAULT '{}';
