-- What an assigned reviewer needs to assess the proposal, from its last submission (intake
-- no longer shows proposals to reviewers). Cases opened before this migration have it empty
-- until their next revision.
ALTER TABLE review_cases
    ADD COLUMN summary TEXT,
    ADD COLUMN objectives TEXT[] NOT NULL DEFAULT '{}',
    ADD COLUMN cbrn_categories TEXT[] NOT NULL DEFAULT '{}',
    ADD COLUMN cbrn_areas TEXT[] NOT NULL DEFAULT '{}',
    ADD COLUMN duration_months INTEGER,
    ADD COLUMN implementing_partners TEXT NOT NULL DEFAULT '[]';   -- JSON array
