-- Pay links: a single-purpose, expiring URL (/pay/{token}) for one account, sent by text or
-- email or handed out by an agent or an admin. Only the SHA-256 of the token is kept, so a copy
-- of the database opens no link. Opening one asks for the same proof as the line (the PIN, or the
-- date of birth and ZIP), counted against the account's lockout like the line's tries; a proof
-- that holds starts a short session, kept the same way (its hash).
CREATE TABLE pay_links (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash TEXT NOT NULL UNIQUE,
    account_number TEXT NOT NULL,
    -- Who made it: 'admin', 'agent:NAME', 'call:PROVIDER:SID', 'reminder'.
    created_by TEXT NOT NULL,
    -- Where it was sent ('sms' or 'email'), if it was.
    sent_by TEXT,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    revoked_at BIGINT,
    revoked_by TEXT,
    -- First opened, and the proof that held.
    opened_at BIGINT,
    verified_at BIGINT,
    -- The session a proof started: the hash of its cookie, and until when it holds.
    session_hash TEXT,
    session_until BIGINT,
    -- Paid in full through it: it opens nothing more.
    used_at BIGINT,
    -- How far the person got (the page's funnel): opened, verified, options, ...
    last_step TEXT,
    last_step_at BIGINT
);
CREATE INDEX pay_links_account ON pay_links (account_number, id);
