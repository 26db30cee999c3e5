-- Drafts, revisions, history and idempotency: the whole proposal lifecycle.

-- A draft may be incomplete.
ALTER TABLE proposals
    ALTER COLUMN title DROP NOT NULL,
    ALTER COLUMN region DROP NOT NULL,
    ALTER COLUMN lead_country DROP NOT NULL,
    ALTER COLUMN requested_budget_cents DROP NOT NULL,
    ALTER COLUMN participating_countries SET DEFAULT '{}',
    ALTER COLUMN cbrn_categories SET DEFAULT '{}',
    ADD COLUMN summary TEXT,
    ADD COLUMN objectives TEXT[] NOT NULL DEFAULT '{}',
    ADD COLUMN cbrn_areas TEXT[] NOT NULL DEFAULT '{}',
    ADD COLUMN implementing_partners TEXT NOT NULL DEFAULT '[]',   -- JSON array
    ADD COLUMN contact TEXT,                                        -- JSON object
    ADD COLUMN version INTEGER NOT NULL DEFAULT 1,                  -- the ETag
    ADD COLUMN submitted_at TIMESTAMPTZ,
    ADD COLUMN decided_at TIMESTAMPTZ,
    ADD COLUMN approved_budget_cents BIGINT,
    ADD COLUMN decision_reasons TEXT[] NOT NULL DEFAULT '{}';

CREATE INDEX proposals_region ON proposals (region);
CREATE INDEX proposals_lead_country ON proposals (lead_country);
CREATE INDEX proposals_participating ON proposals USING GIN (participating_countries);
CREATE INDEX proposals_categories ON proposals USING GIN (cbrn_categories);
CREATE INDEX proposals_created ON proposals (created_at DESC, id DESC);

-- Every submitted revision, as it was submitted.
CREATE TABLE proposal_revisions (
    proposal_id   UUID NOT NULL REFERENCES proposals (id),
    revision      INTEGER NOT NULL,
    submitted_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    submitted_by  TEXT NOT NULL,
    content       TEXT NOT NULL,   -- the proposal as JSON
    PRIMARY KEY (proposal_id, revision)
);

-- Who did what, when: append-only.
CREATE TABLE proposal_history (
    seq             BIGSERIAL PRIMARY KEY,
    proposal_id     UUID NOT NULL REFERENCES proposals (id),
    at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    actor_sub       TEXT NOT NULL,
    actor_role      TEXT NOT NULL,
    action          TEXT NOT NULL,
    from_status     TEXT,
    to_status       TEXT,
    changed_fields  TEXT[] NOT NULL DEFAULT '{}',
    detail          TEXT
);

CREATE INDEX proposal_history_proposal ON proposal_history (proposal_id, seq);

CREATE FUNCTION proposal_history_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'proposal history is append-only';
END
$$;

CREATE TRIGGER proposal_history_append_only BEFORE UPDATE OR DELETE ON proposal_history
    FOR EACH ROW EXECUTE FUNCTION proposal_history_append_only();

-- Idempotency-Key: the first response to (caller, key) is kept and returned again.
CREATE TABLE idempotency_keys (
    caller        TEXT NOT NULL,
    key           TEXT NOT NULL,
    operation     TEXT NOT NULL,
    request       TEXT NOT NULL,   -- the request body, compared on a retry
    status        INTEGER,
    response      TEXT,
    headers       TEXT,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (caller, key)
);

CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
