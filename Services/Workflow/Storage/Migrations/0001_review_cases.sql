-- Review cases, owned by workflow: one per submitted proposal, with an append-only history.

CREATE TABLE review_cases (
    id                       UUID PRIMARY KEY,
    proposal_id              UUID NOT NULL UNIQUE,
    reference                TEXT NOT NULL,
    title                    TEXT NOT NULL,
    region                   TEXT NOT NULL,
    lead_country             TEXT NOT NULL,
    participating_countries  TEXT[] NOT NULL,
    requested_budget_cents   BIGINT NOT NULL,
    revision                 INTEGER NOT NULL,
    stage                    TEXT NOT NULL,
    opened_at                TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at               TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE review_history (
    seq         BIGSERIAL PRIMARY KEY,
    case_id     UUID NOT NULL REFERENCES review_cases (id),
    at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    actor_sub   TEXT NOT NULL,
    actor_role  TEXT NOT NULL,
    action      TEXT NOT NULL,
    detail      TEXT NOT NULL,
    event_id    UUID
);

CREATE INDEX review_history_case ON review_history (case_id, seq);

-- History is append-only.
CREATE FUNCTION review_history_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'review history is append-only';
END
$$;

CREATE TRIGGER review_history_append_only BEFORE UPDATE OR DELETE ON review_history
    FOR EACH ROW EXECUTE FUNCTION review_history_append_only();
