-- Server-side sign-in sessions: the cookie carries a random id whose SHA-256 is kept here, so logging out, a password
-- change, an admin disabling the account and the user ending a session on the account page all take effect at once.
-- A session ends after an absolute lifetime (expires_at) and after an idle timeout (last_seen_at, checked by the app).
CREATE TABLE user_sessions (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    token_hash bytea NOT NULL UNIQUE,
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    ended_at timestamptz,
    -- What the account page shows to tell sessions apart: the browser's user agent and its network (an IPv6 /64).
    user_agent text NOT NULL DEFAULT '',
    network text NOT NULL DEFAULT ''
);
CREATE INDEX user_sessions_user ON user_sessions (user_id);

-- The password's stamp signed out other browsers, and the per-account count locked out its owner too; sessions and
-- auth_throttle below replace them.
ALTER TABLE users DROP COLUMN security_stamp;
ALTER TABLE users DROP COLUMN failed_logins;
ALTER TABLE users DROP COLUMN locked_until;
-- An admin can disable an account: it cannot log in, and its sessions and API keys stop working.
ALTER TABLE users ADD COLUMN disabled_at timestamptz;

-- Failed-attempt counters for log-in, password checks and reset requests, kept per key: an account (by its lowercased
-- email, whether or not such an account exists, so the answers do not tell), an address (an IPv6 client by its /64), or
-- both. A counter restarts when its window has passed; while locked_until is in the future the key is refused.
CREATE TABLE auth_throttle (
    key text PRIMARY KEY,
    failures integer NOT NULL,
    window_started_at timestamptz NOT NULL,
    locked_until timestamptz
);

-- At most one account can be the first admin: two overlapping sign-ups on a fresh server both saw no users before.
-- The first admin is made under this table's row lock (UserStore.AddAsync).
CREATE TABLE bootstrap (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    setup_token_hash bytea,
    setup_token_expires_at timestamptz
);
INSERT INTO bootstrap DEFAULT VALUES;
