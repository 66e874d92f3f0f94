-- Shared links: a named, revocable address that opens a property's dashboard read-only, without an account
-- (/share/<domain>?auth=<token>), optionally behind a password (hashed as account passwords are) and optionally
-- embeddable in other sites' pages (the only pages whose frame-ancestors are opened). A public property's dashboard
-- opens at /share/<domain> without a token.
CREATE TABLE shared_links (
    id bigserial PRIMARY KEY,
    property_id bigint NOT NULL REFERENCES properties (id) ON DELETE CASCADE,
    name text NOT NULL,
    token text NOT NULL UNIQUE,
    password_hash text,
    embeddable boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (property_id, name),
    CHECK (NOT (embeddable AND password_hash IS NOT NULL))
);

ALTER TABLE properties ADD COLUMN public boolean NOT NULL DEFAULT false;
