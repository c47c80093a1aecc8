-- Collections treatment: account flags and state for the policy rules; arrangements (settlements,
-- payment plans, promises to pay) with a plan's installments; the convenience fee of a payment; the
-- reason a caller gave for hardship. Money is integer cents; times are UTC milliseconds.
-- Comma-separated: hardship, vulnerable, dispute, bankruptcy, cease_contact.
ALTER TABLE accounts ADD COLUMN flags TEXT NOT NULL DEFAULT '';
-- Two-letter postal code of the account holder's state, or empty.
ALTER TABLE accounts ADD COLUMN state TEXT NOT NULL DEFAULT '';
-- Charged on top of amount_cents, which is what lowers the balance.
ALTER TABLE payments ADD COLUMN fee_cents BIGINT NOT NULL DEFAULT 0;
-- The one-payment settlement this payment pays: it is settled when the payment is approved, by the
-- call or by the reconciler.
ALTER TABLE payments ADD COLUMN arrangement_id BIGINT;
ALTER TABLE calls ADD COLUMN hardship_reason TEXT;

CREATE TABLE arrangements (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_number TEXT NOT NULL,
    -- settlement, plan, promise
    kind TEXT NOT NULL,
    -- settlement and plan: pending (its first payment not yet approved), active, completed,
    -- broken, declined (its first payment was refused); promise: open, kept, broken
    status TEXT NOT NULL,
    -- The policy that offered it.
    policy TEXT NOT NULL,
    -- What the caller agreed to pay in all (a settlement's amount, a plan's total, a promise).
    total_cents BIGINT NOT NULL,
    balance_before_cents BIGINT NOT NULL,
    -- A promise's date (YYYY-MM-DD).
    promised_by TEXT,
    -- The gateway's reusable token for a plan's card: never the card number.
    card_token TEXT,
    card_brand TEXT,
    card_last4 TEXT,
    gateway TEXT,
    -- The recurring-charge authorisation the caller agreed to by key press: its version, the
    -- words they heard, and when.
    consent_version TEXT,
    consent_text TEXT,
    consent_at BIGINT,
    hardship_reason TEXT,
    provider TEXT,
    call_sid TEXT,
    -- The card attempt (plans, settlements) or turn (promises) of the call it was made on: a
    -- delivery retried after its instance died finds the arrangement instead of making another.
    call_attempt BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX arrangements_account ON arrangements (account_number, id);
CREATE UNIQUE INDEX arrangements_per_call ON arrangements (provider, call_sid, kind, call_attempt)
    WHERE call_attempt IS NOT NULL;
CREATE INDEX arrangements_open_promises ON arrangements (promised_by) WHERE kind = 'promise' AND status = 'open';

-- A plan's (or a settlement's) payments. A run claims an installment (claim_token, claimed_at)
-- before charging it, so two runs or two instances charge it once; the gateway idempotency key is
-- derived from (arrangement_id, seq, attempts), so a run that died mid-charge is replayed by the
-- gateway, not charged again.
CREATE TABLE installments (
    arrangement_id BIGINT NOT NULL REFERENCES arrangements (id),
    seq BIGINT NOT NULL,
    due_date TEXT NOT NULL,
    amount_cents BIGINT NOT NULL,
    -- scheduled, retrying (declined, to be tried again), unknown (no answer yet), paid, failed,
    -- cancelled (its plan broke)
    status TEXT NOT NULL,
    -- Declined tries so far.
    attempts BIGINT NOT NULL DEFAULT 0,
    -- The first day it may be charged (its due date, or the day of its next try).
    next_attempt_on TEXT NOT NULL,
    claim_token BIGINT,
    claimed_at BIGINT,
    gateway_reference TEXT,
    confirmation_code TEXT,
    decline_reason TEXT,
    paid_at BIGINT,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (arrangement_id, seq)
);
CREATE INDEX installments_due ON installments (next_attempt_on) WHERE status IN ('scheduled', 'retrying', 'unknown');
