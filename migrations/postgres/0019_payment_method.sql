-- A way to pay is a card or a bank account: payments and arrangements record the method's kind,
-- its label (a card's brand code, e.g. 'visa', or a bank account's type, 'checking' or
-- 'savings') and its last four digits in method-neutral columns, filled here from the card
-- columns of every existing row.
--
-- The card columns stay and are still written (with the same label and last four), and nothing
-- reads them any more. Why not drop them: SQLite cannot drop the NOT NULL of payments.card_brand
-- and card_last4 without rebuilding the table (copy every row, recreate its indexes, and keep
-- the foreign keys pointing at it right), which is riskier on a live line than two columns
-- written twice; and a version rolled back to reads them as before. PostgreSQL takes the same
-- steps so the two backends keep one shape. A later migration may drop them.
ALTER TABLE payments ADD COLUMN method TEXT NOT NULL DEFAULT 'card';
ALTER TABLE payments ADD COLUMN method_label TEXT NOT NULL DEFAULT '';
ALTER TABLE payments ADD COLUMN method_last4 TEXT NOT NULL DEFAULT '';
UPDATE payments SET method = 'card', method_label = card_brand, method_last4 = card_last4;

-- An arrangement has a method only when one paid or will pay it (a plan's kept card, a
-- settlement's card); a promise has none.
ALTER TABLE arrangements ADD COLUMN method TEXT;
ALTER TABLE arrangements ADD COLUMN method_label TEXT;
ALTER TABLE arrangements ADD COLUMN method_last4 TEXT;
UPDATE arrangements SET method = 'card', method_label = card_brand, method_last4 = card_last4
WHERE card_brand IS NOT NULL OR card_last4 IS NOT NULL;
