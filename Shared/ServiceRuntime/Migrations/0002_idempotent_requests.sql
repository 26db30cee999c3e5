-- Idempotency-Key, for any write of any service: the first answer to (caller, key) is kept and
-- given again to a retry of the same request by the same caller on the same resource.
CREATE TABLE idempotent_requests (
    caller        TEXT NOT NULL,     -- the caller's whole identity: sub, role, country, region
    key           TEXT NOT NULL,
    operation     TEXT NOT NULL,     -- what was asked, with its resource: "submit /v1/proposals/…"
    request_hash  TEXT NOT NULL,     -- SHA-256 of the body, compared on a retry
    status        INTEGER NOT NULL,
    body          TEXT NOT NULL,
    headers       TEXT NOT NULL,     -- JSON object of the answer's headers worth replaying
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (caller, key)
);

CREATE INDEX idempotent_requests_created ON idempotent_requests (created_at);
