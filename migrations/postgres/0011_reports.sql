-- Reports (`ivrpay report`, GET /api/reports): what each call was, written when the call ends in
-- the transaction that ends it, into columns and rows that outlive the purge of the step log
-- (calls.steps, calls.session and calls.last_reply of ended calls are purged after a while; the
-- reports never read them). Times are UTC milliseconds.

-- The flow the call ran (its file stem).
ALTER TABLE calls ADD COLUMN flow TEXT;
-- The account's segment when the call ended, if the caller was identified.
ALTER TABLE calls ADD COLUMN segment TEXT;
-- Why the caller was first put through to a person (the transfers row's reason: asked,
-- no_answer, failed_entries, several_tries, sent), or NULL when no one was dialled.
ALTER TABLE calls ADD COLUMN transfer_reason TEXT;
-- 1 when the call locked the account after failed PIN or date-of-birth checks.
ALTER TABLE calls ADD COLUMN locked_out BIGINT NOT NULL DEFAULT 0;
-- When the call's summary (these columns and its call_states rows) was written; NULL until then.
-- Upkeep summarizes calls whose end was never reported, and calls ended before this migration.
ALTER TABLE calls ADD COLUMN reported_at BIGINT;

-- The reports filter calls by start and group them by these columns: covering, so a month of a
-- million calls is read from the index alone, never from the wide rows.
CREATE INDEX calls_report ON calls (started_at, provider, language, flow, segment, outcome,
    reported_at, transfer_reason, locked_out);
CREATE INDEX calls_unreported ON calls (updated_at) WHERE reported_at IS NULL;
CREATE INDEX arrangements_call ON arrangements (provider, call_sid);

-- The drop-off funnel: one row per call per flow state it reached, saying how the caller last
-- left that state.
CREATE TABLE call_states (
    provider TEXT NOT NULL,
    call_sid TEXT NOT NULL,
    flow TEXT NOT NULL,
    -- The call's start, copied so the funnel of a period reads this table alone.
    started_at BIGINT NOT NULL,
    state TEXT NOT NULL,
    -- The order the call first reached it in, from 0.
    seq BIGINT NOT NULL,
    -- went_on (to another state of the flow), person (to the agent or callback state: asked for a
    -- person, or sent to one), hung_up (the caller hung up there before the call was settled),
    -- ended (the call ended there: a goodbye, a transfer, a settled outcome).
    left_by TEXT NOT NULL CHECK (left_by IN ('went_on', 'person', 'hung_up', 'ended')),
    PRIMARY KEY (provider, call_sid, state)
);
CREATE INDEX call_states_report ON call_states (started_at, flow, state, left_by, seq);
