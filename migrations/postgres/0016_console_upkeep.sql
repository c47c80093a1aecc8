-- Upkeep deletes agent sessions once they expire, and failed sign-ins once they no longer count
-- against anyone, by time alone.
CREATE INDEX agent_sessions_expiry ON agent_sessions (expires_at);
CREATE INDEX sign_in_failures_age ON sign_in_failures (failed_at);
