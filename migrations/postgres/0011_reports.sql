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
-- When the call's first approved payment was made (UTC ms), for the time to pay.
ALTER TABLE calls ADD COLUMN paid_at BIGINT;
-- 1 when the call locked the account after failed PIN or date-of-birth checks.
ALTER TABLE calls ADD COLUMN locked_out BIGINT NOT NULL DEFAULT 0;
-- When the call's summary (these columns and its funnel counts) was written; NULL until then.
-- Upkeep summarizes calls whose end was never reported, and calls ended before this migration.
ALTER TABLE calls ADD COLUMN reported_at BIGINT;

-- The reports filter calls by start and group them by these columns: covering, so a month of a
-- million calls is read from the index alone, never from the wide rows.
CREATE INDEX calls_report ON calls (started_at, provider, language, flow, segment, outcome,
    reported_at, transfer_reason, locked_out, paid_at);
CREATE INDEX calls_unreported ON calls (updated_at) WHERE reported_at IS NULL;
CREATE INDEX arrangements_call ON arrangements (provider, call_sid);

-- The drop-off funnel, counted as calls end: per quarter hour of the calls' start (UTC; every
-- time zone's midnight falls on one), per flow state, how many calls reached it and how the
-- caller last left it. Counted rather than kept per call: a month of a million calls is some
-- fifteen million states reached, too many to count for each report.
CREATE TABLE funnel_counts (
    -- The quarter hour the calls started in (UTC ms, a multiple of 900000).
    started_quarter BIGINT NOT NULL,
    flow TEXT NOT NULL,
    state TEXT NOT NULL,
    -- went_on (to another state of the flow), person (to the agent or callback state: asked for a
    -- person, or sent to one), hung_up (the caller hung up there before the call was settled),
    -- ended (the call ended there: a goodbye, a transfer, a settled outcome).
    left_by TEXT NOT NULL CHECK (left_by IN ('went_on', 'person', 'hung_up', 'ended')),
    -- Calls.
    calls BIGINT NOT NULL,
    -- The sum of the positions (from 0) the calls first reached the state at, for the order
    -- the funnel lists states in.
    seq_sum BIGINT NOT NULL,
    PRIMARY KEY (started_quarter, flow, state, left_by)
);
