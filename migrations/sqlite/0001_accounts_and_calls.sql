-- Accounts callers pay against, and calls with their steps. Timestamps are UTC milliseconds since the
-- Unix epoch; money is integer cents.
CREATE TABLE accounts (
    account_number TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    -- HMAC-SHA256 (hex) of the PIN under IVRPAY_PIN_KEY; the PIN itself is never stored.
    pin_hash TEXT NOT NULL,
    -- HMAC-SHA256 (hex) of date of birth and ZIP, for callers who forgot the PIN.
    dob_zip_hash TEXT NOT NULL,
    balance_cents BIGINT NOT NULL,
    minimum_due_cents BIGINT NOT NULL,
    due_date TEXT NOT NULL,
    segment TEXT NOT NULL,
    language TEXT NOT NULL,
    phone TEXT NOT NULL,
    email TEXT NOT NULL,
    failed_auth_attempts BIGINT NOT NULL DEFAULT 0,
    locked_until BIGINT,
    updated_at BIGINT NOT NULL
);
CREATE INDEX accounts_phone ON accounts (phone);

CREATE TABLE calls (
    call_sid TEXT PRIMARY KEY NOT NULL,
    provider TEXT NOT NULL,
    from_number TEXT NOT NULL,
    to_number TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    ended_at BIGINT,
    language TEXT,
    account_number TEXT,
    outcome TEXT,
    last_step TEXT,
    -- How many webhooks of this call have been answered; action URLs carry it so a retried webhook
    -- is recognised and answered with last_reply instead of advancing the flow twice.
    turn BIGINT NOT NULL,
    last_reply TEXT NOT NULL,
    -- The flow cursor and collected non-sensitive values (JSON).
    session TEXT NOT NULL,
    -- Every step of the call (state, input kind, result; keys only for steps not marked
    -- sensitive), one JSON object per line, appended by the same statement that saves the turn.
    steps TEXT NOT NULL DEFAULT '',
    -- Sensitive values waiting between webhooks, AES-256-GCM sealed; wiped when the call ends.
    sealed BLOB,
    updated_at BIGINT NOT NULL
);
CREATE INDEX calls_account ON calls (account_number);
