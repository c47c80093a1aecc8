-- Bank debits. A debit is not final when it is submitted: it is 'clearing' (the balance already
-- lowered) until its gateway says it succeeded ('approved') or failed ('failed'), and even a
-- debit that succeeded can come back later ('returned'). A failed or returned debit raises the
-- balance again. return_code keeps NACHA's code (R01, R10 ...) for the dashboard's return rates.
-- Upkeep asks the gateway about a debit when next_check_at comes, until checks_until (the end
-- of the window a return can still arrive in); both are NULL for cards.
ALTER TABLE payments ADD COLUMN return_code TEXT;
ALTER TABLE payments ADD COLUMN next_check_at BIGINT;
ALTER TABLE payments ADD COLUMN checks_until BIGINT;
ALTER TABLE payments ADD COLUMN settled_at BIGINT;
-- How much of the minimum due the debit covered, given back with the balance if it comes back.
ALTER TABLE payments ADD COLUMN minimum_due_covered_cents BIGINT;
CREATE INDEX payments_next_check ON payments (next_check_at) WHERE next_check_at IS NOT NULL;

-- The evidence of each bank debit's authorisation by phone (NACHA TEL): the words read to the
-- caller, word for word with their version, the recording of them where the provider could
-- record, and the written notice sent before the debit settles. Kept until keep_until (two
-- years after the authorisation, as the rules require); never a routing or full account number.
CREATE TABLE debit_authorizations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    provider TEXT NOT NULL,
    call_sid TEXT NOT NULL,
    -- The payment attempt on the call the debit is (or would have been).
    attempt BIGINT NOT NULL,
    account_number TEXT NOT NULL,
    amount_cents BIGINT NOT NULL,
    account_type TEXT NOT NULL,
    last4 TEXT NOT NULL,
    debit_date TEXT NOT NULL,
    language TEXT NOT NULL,
    script_version TEXT NOT NULL,
    script TEXT NOT NULL,
    -- The provider's id of the recording of exactly the words above and the caller's answer.
    recording_id TEXT,
    -- offered (being read), authorized, not_authorized (the caller said no or left).
    status TEXT NOT NULL,
    -- How the written notice went: 'sms' or 'email', or NULL when none could be sent.
    notice_channel TEXT,
    -- What evidence is kept: 'recording', 'written_notice' or 'recording_and_written_notice'.
    evidence TEXT,
    offered_at BIGINT NOT NULL,
    authorized_at BIGINT,
    keep_until BIGINT,
    UNIQUE (provider, call_sid, attempt)
);
CREATE INDEX debit_authorizations_account ON debit_authorizations (account_number, id);
