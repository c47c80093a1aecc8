-- A payment whose charge was sent but whose answer was never recorded (the instance died while the
-- gateway answered, or the gateway did not answer) is reconciled in the background by sending the
-- same charge again under the same idempotency key: the gateway replays its first answer. For that
-- the card waits with the payment, AES-256-GCM sealed under IVRPAY_DATA_KEY and bound to the call
-- and attempt, until the payment is settled or sealed_until passes; then it is wiped (set NULL).
ALTER TABLE payments ADD COLUMN sealed_card BLOB;
ALTER TABLE payments ADD COLUMN sealed_until BIGINT;
-- Set when the outcome could not be learned before the card had to be wiped: a person must check
-- the payment in the gateway's dashboard (1; 0 otherwise). Listed by GET /api/payments/unsettled.
ALTER TABLE payments ADD COLUMN needs_attention BIGINT NOT NULL DEFAULT 0;
CREATE INDEX payments_unsettled ON payments (status, updated_at) WHERE status IN ('pending', 'unknown');

-- Calls still open, by the time of their last webhook: the sweep that closes calls which went
-- silent (their end was never reported) reads only these.
CREATE INDEX calls_open ON calls (updated_at) WHERE ended_at IS NULL;
