-- What a pay link led to. Each payment form handed out on a link is one attempt (forms), so a
-- form submitted twice charges once; a page visit that proved it was the holder is recorded as
-- one contact in `calls` (provider 'web', call_sid 'link-ID'), so its payments and arrangements
-- land on the same records, reports and screen-pop as the line's.
ALTER TABLE pay_links ADD COLUMN forms BIGINT NOT NULL DEFAULT 0;
-- When the person first opened a way to pay or arrange (the page's funnel), and what the visit
-- came to: 'paid', 'settled', 'plan', 'promise'.
ALTER TABLE pay_links ADD COLUMN chose_at BIGINT;
ALTER TABLE pay_links ADD COLUMN converted TEXT;
ALTER TABLE pay_links ADD COLUMN converted_at BIGINT;
CREATE INDEX pay_links_created ON pay_links (created_at);
