-- Calls are keyed by (provider, call_sid): call ids are unique per provider only, and one instance
-- may serve several providers. Payments name their call the same way. SQLite cannot change a
-- primary key in place, so both tables are rebuilt and their rows copied.
CREATE TABLE calls_keyed (
    provider TEXT NOT NULL,
    call_sid TEXT NOT NULL,
    from_number TEXT NOT NULL,
    to_number TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    ended_at BIGINT,
    language TEXT,
    account_number TEXT,
    outcome TEXT,
    last_step TEXT,
    turn BIGINT NOT NULL,
    last_reply TEXT NOT NULL,
    session TEXT NOT NULL,
    steps TEXT NOT NULL DEFAULT '',
    sealed BLOB,
    updated_at BIGINT NOT NULL,
    claim_turn BIGINT,
    claimed_at BIGINT,
    claim_token BIGINT,
    sealed_until BIGINT,
    PRIMARY KEY (provider, call_sid)
);
INSERT INTO calls_keyed (provider, call_sid, from_number, to_number, started_at, ended_at, language,
    account_number, outcome, last_step, turn, last_reply, session, steps, sealed, updated_at,
    claim_turn, claimed_at, claim_token, sealed_until)
SELECT provider, call_sid, from_number, to_number, started_at, ended_at, language, account_number,
    outcome, last_step, turn, last_reply, session, steps, sealed, updated_at, claim_turn,
    claimed_at, claim_token, sealed_until
FROM calls;

CREATE TABLE payments_keyed (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    provider TEXT NOT NULL,
    call_sid TEXT NOT NULL,
    attempt BIGINT NOT NULL,
    account_number TEXT NOT NULL,
    amount_cents BIGINT NOT NULL,
    currency TEXT NOT NULL,
    card_brand TEXT NOT NULL,
    card_last4 TEXT NOT NULL,
    status TEXT NOT NULL,
    decline_reason TEXT,
    gateway TEXT NOT NULL,
    gateway_reference TEXT,
    idempotency_key TEXT NOT NULL,
    confirmation_code TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    sealed_card BLOB,
    sealed_until BIGINT,
    needs_attention BIGINT NOT NULL DEFAULT 0,
    UNIQUE (provider, call_sid, attempt),
    FOREIGN KEY (provider, call_sid) REFERENCES calls_keyed (provider, call_sid)
);
INSERT INTO payments_keyed (id, provider, call_sid, attempt, account_number, amount_cents, currency,
    card_brand, card_last4, status, decline_reason, gateway, gateway_reference, idempotency_key,
    confirmation_code, created_at, updated_at, sealed_card, sealed_until, needs_attention)
SELECT p.id, c.provider, p.call_sid, p.attempt, p.account_number, p.amount_cents, p.currency,
    p.card_brand, p.card_last4, p.status, p.decline_reason, p.gateway, p.gateway_reference,
    p.idempotency_key, p.confirmation_code, p.created_at, p.updated_at, p.sealed_card,
    p.sealed_until, p.needs_attention
FROM payments p JOIN calls c ON c.call_sid = p.call_sid;

DROP TABLE payments;
DROP TABLE calls;
ALTER TABLE calls_keyed RENAME TO calls;
ALTER TABLE payments_keyed RENAME TO payments;

CREATE INDEX calls_account ON calls (account_number);
CREATE INDEX calls_open ON calls (updated_at) WHERE ended_at IS NULL;
CREATE INDEX calls_by_sid ON calls (call_sid);
CREATE INDEX payments_account ON payments (account_number, id);
CREATE UNIQUE INDEX payments_confirmation ON payments (confirmation_code);
CREATE INDEX payments_unsettled ON payments (status, updated_at) WHERE status IN ('pending', 'unknown');
