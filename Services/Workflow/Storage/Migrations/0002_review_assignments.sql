-- Reviewers assigned to a case. A reviewer reads and (later) assesses only the cases they are
-- assigned to. Unassigning deletes the row; the history keeps both steps.

CREATE TABLE review_assignments (
    case_id          UUID NOT NULL REFERENCES review_cases (id),
    reviewer_sub     TEXT NOT NULL,
    reviewer_name    TEXT NOT NULL,
    reviewer_email   TEXT,
    reviewer_country TEXT NOT NULL,
    assigned_by      TEXT NOT NULL,
    assigned_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (case_id, reviewer_sub)
);

-- A reviewer's list of cases.
CREATE INDEX review_assignments_reviewer ON review_assignments (reviewer_sub, case_id);

-- Lists are newest first, keyset-paginated.
CREATE INDEX review_cases_opened ON review_cases (opened_at DESC, id DESC);
