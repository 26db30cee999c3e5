-- The number of assessments is the current round's, read with the case: no column keeps a copy.
ALTER TABLE review_cases DROP COLUMN assessment_count;
