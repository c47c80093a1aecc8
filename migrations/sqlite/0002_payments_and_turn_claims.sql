-- A webhook whose flow step has side effects (a failed PIN counted, a card charged) claims its
-- turn first (claim_turn, claimed_at, claim_token), so a duplicate
-- delivery waits for the first one's reply instead of running the flow (and a charge) again,
-- without holding a database lock while a payment gateway answers.
ALTER TABLE calls ADD COLUMN claim_turn BIGINT;
ALTER TABLE calls ADD COLUMN claimed_at BIGINT;
ALTER TABLE calls ADD COLUMN claim_token BIGINT;
-- Sealed values are discarded after this time (UTC ms), even if the call never reports its end.
ALTER TABLE calls ADD COLUMN sealed_until BIGINT;

-- One row per confirmed payment attempt of a call. UNIQUE (call_sid, attempt) is what makes a
-- confirmation delivered twice, on any instance, charge once. Only brand and last four digits of
-- the card are kept.
CREATE TABLE payments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    call_sid TEXT NOT NULL REFERENCES calls (call_sid),
    attempt BIGINT NOT NULL,
    account_number TEXT NOT NULL,
    amount_cents BIGINT NOT NULL,
    currency TEXT NOT NULL,
    card_brand TEXT NOT NULL,
    card_last4 TEXT NOT NULL,
    -- pending, approved, declined, unknown
    status TEXT NOT NULL,
    decline_reason TEXT,
    gateway TEXT NOT NULL,
    gateway_reference TEXT,
    idempotency_key TEXT NOT NULL,
    confirmation_code TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (call_sid, attempt)
);
CREATE INDEX payments_account ON payments (account_number, id);
CREATE UNIQUE INDEX payments_confirmation ON payments (confirmation_code);
