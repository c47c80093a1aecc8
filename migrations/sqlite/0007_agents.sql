-- The agent console: who may sign in, their sessions, and failed sign-ins (for throttling). Kept
-- in the database so any number of instances share them. Times are UTC milliseconds.
CREATE TABLE agents (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    -- Lowercase letters, digits, '.', '_' and '-'; what the agent types to sign in.
    username TEXT NOT NULL UNIQUE,
    -- The name the console greets them by.
    display_name TEXT NOT NULL,
    -- Argon2id PHC string ($argon2id$v=19$m=...,t=...,p=...$salt$hash).
    password_hash TEXT NOT NULL,
    -- agent or admin
    role TEXT NOT NULL CHECK (role IN ('agent', 'admin')),
    -- 1: may not sign in, and every session has ended.
    disabled BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);

-- One signed-in browser. The cookie holds a random 256-bit token; only its SHA-256 is stored, so
-- a copy of this table signs no one in. Signing out or disabling the agent deletes the row.
CREATE TABLE agent_sessions (
    token_hash TEXT PRIMARY KEY NOT NULL,
    agent_id BIGINT NOT NULL REFERENCES agents (id),
    -- Sent back in a hidden field with every change the console makes (CSRF).
    csrf_token TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX agent_sessions_agent ON agent_sessions (agent_id);

-- Failed sign-ins, one row per key they count against ('user:NAME' or 'addr:IP'); too many for
-- one key within the window refuse further attempts until they age out.
CREATE TABLE sign_in_failures (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    throttle_key TEXT NOT NULL,
    failed_at BIGINT NOT NULL
);
CREATE INDEX sign_in_failures_key ON sign_in_failures (throttle_key, failed_at);
