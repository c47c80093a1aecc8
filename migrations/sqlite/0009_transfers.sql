-- Callers put through to a person: one row per transfer, recorded in the same transaction that
-- saves the webhook's turn whose reply dials the agent. The console lists them live (it polls
-- this table by changed_at, so every instance sharing the database sees every change), an agent
-- claims one, and after the call records how it ended. Times are UTC milliseconds.
CREATE TABLE transfers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    -- The call: its provider and the provider's call id.
    provider TEXT NOT NULL,
    call_sid TEXT NOT NULL,
    -- The turn whose reply dialed the agent; a retried webhook cannot record a second row.
    turn BIGINT NOT NULL,
    -- The account, once the caller was identified.
    account_number TEXT,
    -- When the caller was put through.
    asked_at BIGINT NOT NULL,
    -- The flow state where they asked for a person or failed (the last question answered).
    state TEXT,
    -- asked (they asked for a person), no_answer, failed_entries, several_tries, or sent (the
    -- flow sent them on its own, e.g. a payment with no answer from the bank).
    reason TEXT NOT NULL,
    -- The caller's language code, once chosen.
    language TEXT,
    status TEXT NOT NULL DEFAULT 'waiting' CHECK (status IN ('waiting', 'claimed', 'done')),
    -- Who said "I'll take it", and when.
    claimed_by BIGINT REFERENCES agents (id),
    claimed_at BIGINT,
    -- How the call ended, in the claiming agent's words.
    disposition TEXT CHECK (disposition IS NULL OR disposition IN
        ('paid', 'arrangement', 'dispute', 'wrong_party', 'callback', 'other')),
    note TEXT,
    disposed_at BIGINT,
    -- Every change sets changed_at and adds one to version: consoles poll by the first and skip
    -- what they have already shown by the second.
    changed_at BIGINT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    UNIQUE (provider, call_sid, turn)
);
CREATE INDEX transfers_changed ON transfers (changed_at);
CREATE INDEX transfers_status ON transfers (status);
