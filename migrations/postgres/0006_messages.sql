-- Messages after the call: a durable outbox of SMS and email, the texts people opted out of, and
-- how each caller chose to hear from us. Times are UTC milliseconds.
CREATE TABLE messages (
    id BIGSERIAL PRIMARY KEY,
    -- sms or email
    channel TEXT NOT NULL,
    -- receipt, plan_schedule, installment_reminder, installment_failed, promise_made,
    -- promise_reminder, promise_broken
    kind TEXT NOT NULL,
    account_number TEXT NOT NULL,
    -- E.164 number or email address
    recipient TEXT NOT NULL,
    language TEXT NOT NULL,
    -- What makes it one message: a retried event inserts nothing twice (receipt:CALL:ATTEMPT:sms,
    -- reminder:ARRANGEMENT:SEQ:3d:email ...).
    dedupe_key TEXT NOT NULL UNIQUE,
    subject TEXT,
    body_text TEXT NOT NULL,
    body_html TEXT,
    -- queued, sending, sent (accepted by the provider), delivered, undelivered, failed (given up
    -- or refused), suppressed (opted out), unknown (sent, answer lost: never sent again)
    status TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    claim_token BIGINT,
    claimed_at BIGINT,
    -- The provider's id (Twilio's Message SID).
    provider_id TEXT,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    sent_at BIGINT
);
CREATE INDEX messages_due ON messages (next_attempt_at) WHERE status IN ('queued', 'sending');
CREATE INDEX messages_account ON messages (account_number, id);
CREATE INDEX messages_provider_id ON messages (provider_id);

-- Numbers that texted STOP (opted_out = 1) or START again (0). Nothing is texted to an opted-out
-- number.
CREATE TABLE sms_opt_outs (
    phone TEXT PRIMARY KEY NOT NULL,
    opted_out BIGINT NOT NULL,
    keyword TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- How the caller chose to hear from us (sms, email or none) and when; reminders follow it.
ALTER TABLE accounts ADD COLUMN contact_channel TEXT;
ALTER TABLE accounts ADD COLUMN contact_channel_at BIGINT;
ALTER TABLE calls ADD COLUMN receipt_channel TEXT;
ALTER TABLE calls ADD COLUMN receipt_channel_at BIGINT;
