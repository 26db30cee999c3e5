-- The original senders of the copies a consumer publishes itself (retries, parking; its DLQ
-- tool's replays re-use them), by the SHA-256 of the body. A copy arrives under the
-- service's own broker user, which anyone holding that user's credentials could also use
-- (through the service's own direct exchange): the sender of such a message is believed only
-- when the service recorded it here, never from a header.
CREATE TABLE relayed_messages (
    body_sha256  TEXT PRIMARY KEY,
    sender       TEXT NOT NULL,     -- '' when the original carried no user_id
    relayed_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE INDEX relayed_messages_at ON relayed_messages (relayed_at);
