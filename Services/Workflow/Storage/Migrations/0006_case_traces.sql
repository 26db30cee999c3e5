-- The W3C trace context of the submission that opened each case: workflow's later events about
-- the proposal (screening, assignments, the decision) continue that trace, so one trace id
-- follows a proposal from intake's submit through workflow to funding and notifications.
CREATE TABLE case_traces (
    proposal_id UUID PRIMARY KEY,
    traceparent TEXT NOT NULL
);
