-- Calls are keyed by (provider, call_sid): call ids are unique per provider only, and one instance
-- may serve several providers. Payments name their call the same way.
ALTER TABLE payments ADD COLUMN provider TEXT;
UPDATE payments p SET provider = c.provider FROM calls c WHERE c.call_sid = p.call_sid;
ALTER TABLE payments ALTER COLUMN provider SET NOT NULL;
ALTER TABLE payments DROP CONSTRAINT payments_call_sid_fkey;
ALTER TABLE payments DROP CONSTRAINT payments_call_sid_attempt_key;
ALTER TABLE calls DROP CONSTRAINT calls_pkey;
ALTER TABLE calls ADD PRIMARY KEY (provider, call_sid);
ALTER TABLE payments ADD CONSTRAINT payments_call_attempt UNIQUE (provider, call_sid, attempt);
ALTER TABLE payments ADD CONSTRAINT payments_call
    FOREIGN KEY (provider, call_sid) REFERENCES calls (provider, call_sid);
-- The admin API also finds a call by its id alone.
CREATE INDEX calls_by_sid ON calls (call_sid);
