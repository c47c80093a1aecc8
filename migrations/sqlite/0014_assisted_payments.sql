-- Agent-assisted card payments: an agent who took a transfer sends the caller from the console
-- to key in a card on the line's own questions, and the caller comes back to the agent. NULL: never
-- sent; 'sent': the caller is on the card questions; 'returned': back with the agent (what they
-- paid is in payments, shown on the console by brand and last four).
ALTER TABLE transfers ADD COLUMN assist_status TEXT
    CHECK (assist_status IS NULL OR assist_status IN ('sent', 'returned'));
ALTER TABLE transfers ADD COLUMN assist_at BIGINT;
