-- The dashboard's data protection key ring (it signs and encrypts cookies and antiforgery tokens), kept here so every
-- dashboard replica reads the same keys and sign-ins survive a restart. Each key's XML is encrypted before it is
-- stored (AES-256-GCM under the key-encryption key, which is not in the database).
CREATE TABLE data_protection_keys (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text NOT NULL UNIQUE,
    xml text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
