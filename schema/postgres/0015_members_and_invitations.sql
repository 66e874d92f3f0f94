-- Members and roles per property, with Plausible's meanings: viewers read; editors also manage goals, funnels, shared
-- segments and shared links; admins also manage members and settings; the one owner also deletes the property and
-- hands it over. People join by invitation (only its SHA-256 is kept, like API keys), accepted by the account holding
-- the invited address once that address is confirmed (email_verified_at); an invitation as owner transfers ownership.
ALTER TABLE property_members DROP CONSTRAINT property_members_role_check;
ALTER TABLE property_members ADD CONSTRAINT property_members_role_check CHECK (role IN ('owner', 'admin', 'editor', 'viewer'));
CREATE UNIQUE INDEX property_members_one_owner ON property_members (property_id) WHERE role = 'owner';

CREATE TABLE invitations (
    id bigserial PRIMARY KEY,
    property_id bigint NOT NULL REFERENCES properties (id) ON DELETE CASCADE,
    email text NOT NULL,
    role text NOT NULL CHECK (role IN ('owner', 'admin', 'editor', 'viewer')),
    token_hash bytea NOT NULL UNIQUE,
    invited_by bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL
);
CREATE UNIQUE INDEX invitations_address ON invitations (property_id, lower(email));

ALTER TABLE users ADD COLUMN email_verified_at timestamptz;
CREATE TABLE email_verifications (
    token_hash bytea PRIMARY KEY,
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    email text NOT NULL,
    expires_at timestamptz NOT NULL
);
CREATE INDEX email_verifications_user ON email_verifications (user_id);
