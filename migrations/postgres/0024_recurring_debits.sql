-- Installments paid from a bank account (AutoPay or a plan by bank): a debit is accepted, then
-- clears days later or comes back. Such an installment is 'clearing' (the balance lowered at once,
-- as a single debit's is) until the gateway says it 'paid' or that it failed; one that fails, or
-- comes back after it was paid, raises the balance again and is tried again as the policy says.
-- Upkeep leases the installments due a look by next_check_at, as it does payments.
ALTER TABLE installments ADD COLUMN next_check_at BIGINT;
-- A paid debit is still watched for a return until then (UTC ms).
ALTER TABLE installments ADD COLUMN checks_until BIGINT;
-- The NACHA return code of a debit that failed or came back (R01, R10, ...).
ALTER TABLE installments ADD COLUMN return_code TEXT;
CREATE INDEX installments_to_check ON installments (next_check_at) WHERE next_check_at IS NOT NULL;
-- The evidence of a recurring authorisation given by phone (AutoPay or a plan from a bank
-- account: a recurring TEL entry needs both a recording and a written copy): the provider's id of
-- the recording, and what is kept ('recording_and_written_notice').
ALTER TABLE arrangements ADD COLUMN recording_id TEXT;
ALTER TABLE arrangements ADD COLUMN evidence TEXT;
