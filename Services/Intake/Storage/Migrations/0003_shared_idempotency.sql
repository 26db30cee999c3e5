-- Idempotency-Key now lives in the runtime's idempotent_requests table, keyed by the caller's
-- whole identity and the resource; the old per-sub table is dropped with what it held (a
-- retry of a request answered before the upgrade runs again; creates make a second draft).
DROP TABLE idempotency_keys;
