-- AutoPay: an arrangement of kind 'autopay' (status 'active', or 'stopped' once turned off) that
-- charges each amount due on its due date to a card on file. The run-due collector adds its
-- installments one due date at a time, ahead of the date by the reminder lead, so reminders,
-- claims, receipts and decline notices are the installments' own. An installment found covered
-- when its day comes (the caller paid meanwhile) ends 'covered', charging nothing.
-- Which amount it charges: minimum_due or balance.
ALTER TABLE arrangements ADD COLUMN autopay_amount TEXT;
-- The first due date it pays (YYYY-MM-DD), as the caller heard it: earlier ones are not its.
ALTER TABLE arrangements ADD COLUMN starts_on TEXT;
-- Who turned it off: 'caller', 'agent:NAME', 'admin', or 'replaced' by a later enrolment.
ALTER TABLE arrangements ADD COLUMN stopped_by TEXT;
CREATE INDEX arrangements_autopay ON arrangements (account_number) WHERE kind = 'autopay' AND status = 'active';
