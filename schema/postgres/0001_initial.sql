-- Users, properties and who owns them, API keys (hashed), and the daily visitor-hash salts.
CREATE TABLE users (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email text NOT NULL,
    password_hash text NOT NULL,
    is_admin boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));

CREATE TABLE properties (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    domain text NOT NULL,
    name text NOT NULL,
    timezone text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX properties_domain_key ON properties (lower(domain));

CREATE TABLE property_members (
    property_id bigint NOT NULL REFERENCES properties (id) ON DELETE CASCADE,
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role text NOT NULL CHECK (role IN ('owner', 'viewer')),
    PRIMARY KEY (property_id, user_id)
);
CREATE INDEX property_members_user ON property_members (user_id);

-- The key itself is shown once; only its SHA-256 is kept. The prefix identifies a key in lists without revealing it.
CREATE TABLE api_keys (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id bigint REFERENCES users (id) ON DELETE CASCADE,
    name text NOT NULL,
    prefix text NOT NULL,
    key_hash bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at timestamptz
);
CREATE UNIQUE INDEX api_keys_hash_key ON api_keys (key_hash);

-- One random salt per UTC day; the visitor id is a keyed hash over (salt, property, IP, user agent).
CREATE TABLE visitor_salts (
    day date PRIMARY KEY,
    salt bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
