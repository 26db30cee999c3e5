-- Proposals, owned by intake. Money is integer euro cents.

CREATE SEQUENCE proposal_reference_seq;

CREATE TABLE proposals (
    id                       UUID PRIMARY KEY,
    reference                TEXT UNIQUE,
    status                   TEXT NOT NULL,
    revision                 INTEGER NOT NULL DEFAULT 0,
    title                    TEXT NOT NULL,
    region                   TEXT NOT NULL,
    lead_country             TEXT NOT NULL,
    participating_countries  TEXT[] NOT NULL,
    cbrn_categories          TEXT[] NOT NULL,
    requested_budget_cents   BIGINT NOT NULL CHECK (requested_budget_cents > 0),
    duration_months          INTEGER,
    created_by               TEXT NOT NULL,
    created_at               TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at               TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE INDEX proposals_status ON proposals (status);
