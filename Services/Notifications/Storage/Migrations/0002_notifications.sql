-- Recipients, what notifications know of proposals, webhook subscriptions, deliveries and the feed.

CREATE TABLE recipients (
    id uuid PRIMARY KEY,
    sub text NOT NULL UNIQUE,
    name text NOT NULL,
    email text NOT NULL,
    language text NOT NULL CHECK (language IN ('en', 'fr')),
    role text NOT NULL CHECK (role IN ('focal_point', 'secretariat', 'reviewer', 'finance', 'admin')),
    country text,
    region text,
    active boolean NOT NULL DEFAULT true,
    email_opt_out text[] NOT NULL DEFAULT '{}',
    digest boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    CONSTRAINT focal_point_has_country CHECK (role <> 'focal_point' OR country IS NOT NULL),
    CONSTRAINT secretariat_has_region CHECK (role <> 'secretariat' OR region IS NOT NULL)
);
CREATE INDEX recipients_listed ON recipients (created_at DESC, id DESC);
CREATE INDEX recipients_by_place ON recipients (role, country, region) WHERE active;

-- The last that events said of each proposal, so that events which don't repeat it (a
-- withdrawal, an unassignment) still name it. Only the consumer writes it.
CREATE TABLE proposals (
    proposal_id uuid PRIMARY KEY,
    reference text NOT NULL,
    title text NOT NULL,
    region text NOT NULL,
    lead_country text NOT NULL,
    updated_at timestamptz NOT NULL
);

CREATE TABLE subscriptions (
    id uuid PRIMARY KEY,
    url text NOT NULL,
    event_types text[] NOT NULL CHECK (cardinality(event_types) > 0),
    description text,
    secret text NOT NULL,
    status text NOT NULL CHECK (status IN ('active', 'suspended', 'deleted')),
    consecutive_failures int NOT NULL DEFAULT 0 CHECK (consecutive_failures >= 0),
    suspended_at timestamptz,
    last_error text,
    created_by text NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    CONSTRAINT suspension_dated CHECK ((status = 'suspended') = (suspended_at IS NOT NULL))
);
CREATE INDEX subscriptions_listed ON subscriptions (created_at DESC, id DESC);

-- One row per (event, recipient, channel) or (event, subscription), made in the transaction
-- that records the event in the inbox; a day's digest is a row of its own. The unique indexes
-- are the last word on "never twice".
CREATE TABLE deliveries (
    id uuid PRIMARY KEY,
    event_id uuid,
    event_type text NOT NULL,
    channel text NOT NULL CHECK (channel IN ('email', 'webhook')),
    recipient_id uuid REFERENCES recipients (id),
    subscription_id uuid REFERENCES subscriptions (id),
    address text NOT NULL,
    status text NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'retrying', 'failed', 'suppressed')),
    attempts int NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    last_error text,
    note text,
    next_attempt_at timestamptz,
    lease_until timestamptz,
    sent_at timestamptz,
    subject text,
    text_body text,
    html_body text,
    payload bytea,
    proposal_id uuid,
    link text,
    -- A mail held for the person's digest, and the digest that took it.
    for_digest boolean NOT NULL DEFAULT false,
    digest_id uuid REFERENCES deliveries (id),
    -- The day of a digest row.
    digest_day date,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    CONSTRAINT one_target CHECK ((recipient_id IS NULL) <> (subscription_id IS NULL)),
    CONSTRAINT channel_matches_target CHECK ((channel = 'webhook') = (subscription_id IS NOT NULL)),
    CONSTRAINT digest_is_a_mail CHECK (digest_day IS NULL OR (channel = 'email' AND event_id IS NULL AND event_type = 'digest')),
    CONSTRAINT event_or_digest CHECK ((event_id IS NULL) = (digest_day IS NOT NULL)),
    CONSTRAINT sending_is_leased CHECK ((status = 'sending') = (lease_until IS NOT NULL)),
    CONSTRAINT sent_is_dated CHECK ((status = 'sent') = (sent_at IS NOT NULL))
);
CREATE UNIQUE INDEX deliveries_once_per_recipient ON deliveries (event_id, channel, recipient_id) WHERE recipient_id IS NOT NULL AND event_id IS NOT NULL;
CREATE UNIQUE INDEX deliveries_once_per_subscription ON deliveries (event_id, subscription_id) WHERE subscription_id IS NOT NULL;
CREATE UNIQUE INDEX digests_once_a_day ON deliveries (recipient_id, digest_day) WHERE digest_day IS NOT NULL;
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE status IN ('pending', 'retrying');
CREATE INDEX deliveries_leased ON deliveries (lease_until) WHERE status = 'sending';
CREATE INDEX deliveries_awaiting_digest ON deliveries (recipient_id) WHERE for_digest AND digest_id IS NULL;
CREATE INDEX deliveries_listed ON deliveries (created_at DESC, id DESC);
CREATE INDEX deliveries_by_event ON deliveries (event_id);

-- Each person's in-app feed; `seq` orders it for the live stream (SSE event ids).
CREATE TABLE feed_items (
    id uuid PRIMARY KEY,
    seq bigserial UNIQUE,
    recipient_id uuid NOT NULL REFERENCES recipients (id),
    event_id uuid NOT NULL,
    event_type text NOT NULL,
    subject text NOT NULL,
    body text NOT NULL,
    link text,
    proposal_id uuid,
    reference text,
    created_at timestamptz NOT NULL,
    read_at timestamptz,
    UNIQUE (event_id, recipient_id)
);
CREATE INDEX feed_by_recipient ON feed_items (recipient_id, created_at DESC, id DESC);
CREATE INDEX feed_unread ON feed_items (recipient_id) WHERE read_at IS NULL;
