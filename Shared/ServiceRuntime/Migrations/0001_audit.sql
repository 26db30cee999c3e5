-- Who changed what, through the API, and how it ended: every state-changing request.
CREATE TABLE audit_log (
    seq          BIGSERIAL PRIMARY KEY,
    at           TIMESTAMPTZ NOT NULL DEFAULT now(),
    actor_sub    TEXT NOT NULL,
    actor_role   TEXT NOT NULL,
    action       TEXT NOT NULL,     -- method and route, e.g. POST /v1/proposals/{id}/submit
    resource     TEXT NOT NULL,     -- the path requested
    outcome      INTEGER NOT NULL,  -- the HTTP status answered
    request_id   TEXT NOT NULL
);

CREATE INDEX audit_log_at ON audit_log (at DESC);
CREATE INDEX audit_log_actor ON audit_log (actor_sub, at DESC);

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only';
END
$$;

CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
