-- Envelopes, commitments and the movements of money against them. Amounts are BIGINT
-- cents. The application locks rows (envelope first, then commitment) and checks every rule;
-- these constraints and triggers are the last line of defence if it ever didn't.

CREATE TABLE envelopes (
    id              UUID PRIMARY KEY,
    year            INTEGER NOT NULL CHECK (year BETWEEN 2000 AND 2100),
    region          TEXT NOT NULL,
    instrument      TEXT NOT NULL,
    amount_cents    BIGINT NOT NULL CHECK (amount_cents >= 0),
    committed_cents BIGINT NOT NULL DEFAULT 0 CHECK (committed_cents >= 0),
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    UNIQUE (year, region, instrument),
    -- Commitments in an envelope never exceed it.
    CONSTRAINT envelope_not_overcommitted CHECK (committed_cents <= amount_cents)
);

-- Every change of an envelope's amount, kept for ever.
CREATE TABLE envelope_adjustments (
    id                  BIGSERIAL PRIMARY KEY,
    envelope_id         UUID NOT NULL REFERENCES envelopes (id),
    change              TEXT NOT NULL CHECK (change IN ('created', 'raised', 'lowered')),
    delta_cents         BIGINT NOT NULL,
    amount_before_cents BIGINT NOT NULL,
    amount_after_cents  BIGINT NOT NULL CHECK (amount_after_cents = amount_before_cents + delta_cents),
    reason              TEXT NOT NULL CHECK (reason <> ''),
    actor_sub           TEXT NOT NULL,
    actor_role          TEXT NOT NULL,
    at                  TIMESTAMPTZ NOT NULL
);
CREATE INDEX envelope_adjustments_by_envelope ON envelope_adjustments (envelope_id, id);

CREATE TABLE commitments (
    id                      UUID PRIMARY KEY,
    proposal_id             UUID NOT NULL UNIQUE,
    case_id                 UUID NOT NULL,
    round                   INTEGER NOT NULL,
    revision                INTEGER NOT NULL,
    reference               TEXT NOT NULL,
    title                   TEXT NOT NULL,
    region                  TEXT NOT NULL,
    lead_country            TEXT NOT NULL,
    participating_countries TEXT[] NOT NULL,
    year                    INTEGER NOT NULL,
    instrument              TEXT NOT NULL,
    amount_cents            BIGINT NOT NULL CHECK (amount_cents > 0),
    schedule                TEXT NOT NULL,
    status                  TEXT NOT NULL CHECK (status IN ('blocked', 'active', 'closed')),
    shortfall_cents         BIGINT CHECK (shortfall_cents > 0),
    disbursed_cents         BIGINT NOT NULL DEFAULT 0,
    summary                 TEXT,
    duration_months         INTEGER,
    approved_at             TIMESTAMPTZ NOT NULL,
    approved_by_sub         TEXT NOT NULL,
    approved_by_role        TEXT NOT NULL,
    committed_at            TIMESTAMPTZ,
    closed_at               TIMESTAMPTZ,
    updated_at              TIMESTAMPTZ NOT NULL,
    -- Disbursements never exceed their commitment, and never go below nothing.
    CONSTRAINT commitment_not_overdisbursed CHECK (disbursed_cents BETWEEN 0 AND amount_cents),
    CONSTRAINT blocked_has_shortfall CHECK ((status = 'blocked') = (shortfall_cents IS NOT NULL)),
    CONSTRAINT blocked_pays_nothing CHECK (status <> 'blocked' OR disbursed_cents = 0)
);
CREATE INDEX commitments_by_envelope ON commitments (year, region, instrument, status, approved_at);
CREATE INDEX commitments_newest ON commitments (approved_at DESC, id DESC);

-- Payments and recoveries. A recovery is negative. Four eyes: whoever decides a movement is
-- not who recorded it (a closing's automatic rejections are the service's own).
CREATE TABLE movements (
    id               UUID PRIMARY KEY,
    commitment_id    UUID NOT NULL REFERENCES commitments (id),
    sequence         INTEGER NOT NULL CHECK (sequence > 0),
    kind             TEXT NOT NULL CHECK (kind IN ('disbursement', 'recovery')),
    tranche          TEXT CHECK (tranche IN ('pre_financing', 'interim', 'final')),
    amount_cents     BIGINT NOT NULL,
    value_date       DATE NOT NULL,
    bank_reference   TEXT NOT NULL,
    note             TEXT,
    reason           TEXT,
    status           TEXT NOT NULL CHECK (status IN ('pending', 'verified', 'rejected')),
    recorded_by_sub  TEXT NOT NULL,
    recorded_by_role TEXT NOT NULL,
    recorded_at      TIMESTAMPTZ NOT NULL,
    decided_by_sub   TEXT,
    decided_by_role  TEXT,
    decided_at       TIMESTAMPTZ,
    rejection_reason TEXT,
    UNIQUE (commitment_id, sequence),
    CONSTRAINT movement_sign CHECK (
        (kind = 'disbursement' AND amount_cents > 0 AND tranche IS NOT NULL)
        OR (kind = 'recovery' AND amount_cents < 0 AND tranche IS NULL AND reason IS NOT NULL)),
    CONSTRAINT movement_decided CHECK ((status = 'pending') = (decided_at IS NULL)),
    CONSTRAINT four_eyes CHECK (status = 'pending' OR decided_by_sub <> recorded_by_sub)
);
CREATE INDEX movements_pending ON movements (status, recorded_at) WHERE status = 'pending';
-- One verified final tranche per commitment.
CREATE UNIQUE INDEX one_final_paid ON movements (commitment_id) WHERE tranche = 'final' AND status = 'verified';

-- The ledger is append-only: a movement changes once, from pending to its decision, and
-- nothing is ever deleted; an envelope's adjustments never change.
CREATE FUNCTION movements_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'movement % can''t be deleted: the ledger is append-only', OLD.id USING ERRCODE = 'restrict_violation';
    END IF;
    IF OLD.status <> 'pending' THEN
        RAISE EXCEPTION 'movement % is % and can''t change', OLD.id, OLD.status USING ERRCODE = 'restrict_violation';
    END IF;
    IF (NEW.commitment_id, NEW.sequence, NEW.kind, NEW.tranche, NEW.amount_cents, NEW.value_date, NEW.recorded_by_sub)
       IS DISTINCT FROM (OLD.commitment_id, OLD.sequence, OLD.kind, OLD.tranche, OLD.amount_cents, OLD.value_date, OLD.recorded_by_sub) THEN
        RAISE EXCEPTION 'movement % can only be decided, not rewritten', OLD.id USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER movements_append_only BEFORE UPDATE OR DELETE ON movements FOR EACH ROW EXECUTE FUNCTION movements_append_only();

CREATE FUNCTION adjustments_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'envelope adjustments are kept for ever' USING ERRCODE = 'restrict_violation';
END
$$;
CREATE TRIGGER adjustments_append_only BEFORE UPDATE OR DELETE ON envelope_adjustments FOR EACH ROW EXECUTE FUNCTION adjustments_append_only();
