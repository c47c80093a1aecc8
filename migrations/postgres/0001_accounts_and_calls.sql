-- Accounts callers pay against, calls and their steps. Timestamps are UTC milliseconds since the
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
    -- Sensitive values waiting between webhooks, AES-256-GCM sealed; wiped when the call ends.
    sealed BYTEA,
    updated_at BIGINT NOT NULL
);
CREATE INDEX calls_account ON calls (account_number);

CREATE TABLE call_steps (
    id BIGSERIAL PRIMARY KEY,
    call_sid TEXT NOT NULL REFERENCES calls (call_sid),
    turn BIGINT NOT NULL,
    state TEXT NOT NULL,
    input_kind TEXT NOT NULL,
    result TEXT NOT NULL,
    -- The keys pressed, only for steps not marked sensitive.
    digits TEXT,
    at BIGINT NOT NULL
);
CREATE INDEX call_steps_call ON call_steps (call_sid, id);
