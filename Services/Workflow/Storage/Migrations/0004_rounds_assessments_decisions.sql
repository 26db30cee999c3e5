-- The review as a state machine of rounds: each round's screening, independent assessments and
-- decision; overdue reminders; the history's round and the reviewer a step concerns.

ALTER TABLE review_cases
    ADD COLUMN round INTEGER NOT NULL DEFAULT 1,
    ADD COLUMN stage_entered_at TIMESTAMPTZ,
    ADD COLUMN due_at TIMESTAMPTZ,
    ADD COLUMN assessment_count INTEGER NOT NULL DEFAULT 0,
    -- The current round's mean weighted score in hundredths (rounded half to even), for sorting lists.
    ADD COLUMN weighted_score_hundredths INTEGER;
UPDATE review_cases SET stage_entered_at = updated_at;
ALTER TABLE review_cases ALTER COLUMN stage_entered_at SET NOT NULL;
ALTER TABLE review_cases ADD CONSTRAINT review_cases_stage
    CHECK (stage IN ('screening', 'technical', 'decision', 'approved', 'rejected', 'revision_requested', 'closed'));

CREATE INDEX review_cases_due ON review_cases (due_at) WHERE due_at IS NOT NULL;
CREATE INDEX review_cases_score ON review_cases ((COALESCE(weighted_score_hundredths, -1)) DESC, opened_at DESC, id DESC);

CREATE TABLE review_rounds (
    case_id    UUID NOT NULL REFERENCES review_cases (id),
    number     INTEGER NOT NULL CHECK (number >= 1),
    revision   INTEGER NOT NULL,
    opened_at  TIMESTAMPTZ NOT NULL,
    screening  TEXT,          -- JSON: the checklist's answers, outcome, reasons, who and when
    decision   TEXT,          -- JSON: outcome, reasons, approved budget and schedule, who and when
    ended_at   TIMESTAMPTZ,
    PRIMARY KEY (case_id, number)
);

-- Cases opened before rounds existed are in their first round.
INSERT INTO review_rounds (case_id, number, revision, opened_at)
SELECT id, 1, revision, opened_at FROM review_cases;

CREATE TABLE review_assessments (
    case_id                    UUID NOT NULL,
    round                      INTEGER NOT NULL,
    reviewer_sub               TEXT NOT NULL,
    reviewer_name              TEXT NOT NULL,
    reviewer_country           TEXT NOT NULL,
    scores                     TEXT NOT NULL,   -- JSON: criterion, weight, score, comment
    weighted_total_hundredths  INTEGER NOT NULL CHECK (weighted_total_hundredths BETWEEN 0 AND 10000),
    average_hundredths         INTEGER NOT NULL CHECK (average_hundredths BETWEEN 0 AND 10000),
    recommendation             TEXT NOT NULL CHECK (recommendation IN ('fund', 'fund_with_changes', 'do_not_fund')),
    comment                    TEXT,
    no_conflict_declared_at    TIMESTAMPTZ NOT NULL,
    submitted_at               TIMESTAMPTZ NOT NULL,
    amended_at                 TIMESTAMPTZ,
    amendments                 INTEGER NOT NULL DEFAULT 0,
    -- One assessment per reviewer per round, whatever the code above does.
    PRIMARY KEY (case_id, round, reviewer_sub),
    FOREIGN KEY (case_id, round) REFERENCES review_rounds (case_id, number)
);

-- An ended round, and its assessments, are never changed again.
CREATE FUNCTION review_round_ended_is_final() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ended TIMESTAMPTZ;
BEGIN
    IF TG_TABLE_NAME = 'review_rounds' THEN
        IF TG_OP = 'DELETE' OR OLD.ended_at IS NOT NULL THEN
            RAISE EXCEPTION 'review round % of case % has ended and is kept as it ended', OLD.number, OLD.case_id;
        END IF;
        RETURN NEW;
    END IF;
    SELECT ended_at INTO ended FROM review_rounds
     WHERE case_id = COALESCE(NEW.case_id, OLD.case_id) AND number = COALESCE(NEW.round, OLD.round);
    IF TG_OP = 'DELETE' OR ended IS NOT NULL THEN
        RAISE EXCEPTION 'the assessments of an ended round are kept as they were';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER review_rounds_final BEFORE UPDATE OR DELETE ON review_rounds
    FOR EACH ROW EXECUTE FUNCTION review_round_ended_is_final();
CREATE TRIGGER review_assessments_final BEFORE INSERT OR UPDATE OR DELETE ON review_assessments
    FOR EACH ROW EXECUTE FUNCTION review_round_ended_is_final();

-- One overdue reminder per case, round and stage, with any number of replicas running.
CREATE TABLE review_reminders (
    case_id  UUID NOT NULL REFERENCES review_cases (id),
    round    INTEGER NOT NULL,
    stage    TEXT NOT NULL,
    at       TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (case_id, round, stage)
);

ALTER TABLE review_history
    ADD COLUMN round INTEGER NOT NULL DEFAULT 1,
    ADD COLUMN reviewer_sub TEXT;
