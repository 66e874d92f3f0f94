-- Scheduled notifications: email reports (weekly or monthly, per recipient, on the property's clock) and traffic alerts
-- (spike: current visitors above a number; drop: a day's visitors below a share of the usual), by email or webhook.
-- One scheduler runs for the deployment (it holds a PostgreSQL advisory lock). Each delivery is a row, unique per
-- source and occasion, so a restart neither skips nor repeats one; a failed one is retried with backoff; the rows are
-- the delivery log that a property's settings show. An unsubscribe token is kept as it is: it only stops that report.
CREATE TABLE email_reports (
    id bigserial PRIMARY KEY,
    property_id bigint NOT NULL REFERENCES properties (id) ON DELETE CASCADE,
    email text NOT NULL,
    every text NOT NULL CHECK (every IN ('week', 'month')),
    unsubscribe_token text NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX email_reports_recipient ON email_reports (property_id, lower(email), every);

CREATE TABLE traffic_alerts (
    id bigserial PRIMARY KEY,
    property_id bigint NOT NULL REFERENCES properties (id) ON DELETE CASCADE,
    kind text NOT NULL CHECK (kind IN ('spike', 'drop')),
    threshold integer NOT NULL CHECK (threshold > 0),
    email text,
    webhook_url text,
    quiet_hours integer NOT NULL DEFAULT 24 CHECK (quiet_hours BETWEEN 1 AND 720),
    last_fired_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK ((email IS NULL) <> (webhook_url IS NULL))
);
CREATE INDEX traffic_alerts_property ON traffic_alerts (property_id);

CREATE TABLE deliveries (
    id bigserial PRIMARY KEY,
    property_id bigint NOT NULL REFERENCES properties (id) ON DELETE CASCADE,
    source text NOT NULL,
    occasion timestamptz NOT NULL,
    channel text NOT NULL CHECK (channel IN ('email', 'webhook')),
    target text NOT NULL,
    subject text NOT NULL,
    facts jsonb NOT NULL DEFAULT '{}',
    state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sending', 'sent', 'failed')),
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_error text,
    created_at timestamptz NOT NULL DEFAULT now(),
    sent_at timestamptz,
    UNIQUE (source, occasion)
);
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE state IN ('pending', 'sending');
CREATE INDEX deliveries_property ON deliveries (property_id, created_at DESC);
