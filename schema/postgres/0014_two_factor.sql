-- Two-factor sign-in with TOTP (RFC 6238: an authenticator app's 6-digit codes). The secret is encrypted with the
-- dashboard's Data Protection keys; it is set when enrolment starts and counts once confirmed with a code
-- (totp_enabled_at). totp_last_step is the time step of the last code accepted, so a code is never taken twice.
-- Recovery codes are kept as SHA-256 hashes, each good once.
ALTER TABLE users ADD COLUMN totp_secret text;
ALTER TABLE users ADD COLUMN totp_enabled_at timestamptz;
ALTER TABLE users ADD COLUMN totp_last_step bigint;
CREATE TABLE recovery_codes (
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash text NOT NULL,
    used_at timestamptz,
    PRIMARY KEY (user_id, code_hash)
);
