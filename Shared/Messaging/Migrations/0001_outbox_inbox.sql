-- The transactional outbox and the idempotent inbox, in the schema of the service that applies it.

CREATE TABLE outbox (
    seq            BIGSERIAL PRIMARY KEY,
    event_id       UUID NOT NULL UNIQUE,
    event_type     TEXT NOT NULL,
    subject        TEXT NOT NULL,
    correlation_id UUID NOT NULL,
    occurred_at    TIMESTAMPTZ NOT NULL,
    body           TEXT NOT NULL,           -- the exact JSON published
    created_at     TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
    dispatched_at  TIMESTAMPTZ              -- set once the broker confirmed
);

CREATE INDEX outbox_pending ON outbox (seq) WHERE dispatched_at IS NULL;
CREATE INDEX outbox_pending_subject ON outbox (subject, seq) WHERE dispatched_at IS NULL;
CREATE INDEX outbox_dispatched ON outbox (dispatched_at) WHERE dispatched_at IS NOT NULL;

-- Wakes the relay as soon as a transaction with events commits; polling covers a lost notification.
CREATE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify(TG_TABLE_SCHEMA || '_outbox', '');
    RETURN NULL;
END
$$;

CREATE TRIGGER outbox_notify AFTER INSERT ON outbox
    FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify();

CREATE TABLE inbox (
    consumer    TEXT NOT NULL,
    message_id  UUID NOT NULL,
    event_type  TEXT NOT NULL,
    received_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, message_id)
);

CREATE INDEX inbox_received ON inbox (received_at);
