-- Cards kept on file with the caller's consent, for paying with them on a later call: only the
-- gateway's token, the brand (or account type) and the last four digits are kept, never the
-- number. A removed method keeps its row (removed_at) so the consent stays on record.
CREATE TABLE saved_methods (
    id BIGSERIAL PRIMARY KEY,
    account_number TEXT NOT NULL,
    kind TEXT NOT NULL,
    label TEXT NOT NULL,
    last4 TEXT NOT NULL,
    gateway TEXT NOT NULL,
    token TEXT NOT NULL,
    consent_version TEXT NOT NULL,
    consent_text TEXT NOT NULL,
    provider TEXT,
    call_sid TEXT,
    created_at BIGINT NOT NULL,
    removed_at BIGINT,
    removed_by TEXT
);
CREATE INDEX saved_methods_account ON saved_methods (account_number, id);
