-- Callbacks: a caller who asked for a person when no one could take the call (outside business
-- hours, no agent line, or a transfer nobody answered) and chose a number and a window to be
-- called back in. Worked and closed from the admin API (and the agents' console). Times are UTC
-- milliseconds.
CREATE TABLE callbacks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    -- The account the call was about, if the caller had named one.
    account_number TEXT,
    -- The call it was asked on, and the turn of that call, so a retried webhook records it once.
    provider TEXT NOT NULL,
    call_sid TEXT NOT NULL,
    call_attempt BIGINT NOT NULL,
    -- The number to call, E.164.
    phone TEXT NOT NULL,
    -- The window the caller chose.
    window_start BIGINT NOT NULL,
    window_end BIGINT NOT NULL,
    -- The language to call back in (en, es).
    language TEXT NOT NULL,
    -- Why no one took the call: closed, no_answer, no_agent_line.
    reason TEXT NOT NULL,
    -- The question the caller was at when they asked for a person.
    asked_at TEXT,
    -- open, done, cancelled.
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done', 'cancelled')),
    created_at BIGINT NOT NULL,
    closed_at BIGINT,
    -- Who closed it (an agent's name, or "admin").
    closed_by TEXT,
    note TEXT
);
CREATE UNIQUE INDEX callbacks_per_call ON callbacks (provider, call_sid, call_attempt);
CREATE INDEX callbacks_by_status ON callbacks (status, window_start);
