-- Step logs are kept a set number of days after a call ends (data minimisation): then the call's
-- steps, flow cursor and last reply are emptied and steps_purged_at says when. The call's summary
-- columns stay, and so does every table built from calls. The index finds the ended calls whose
-- logs are still kept, oldest first, without reading the purged ones again; open calls are not in
-- it, so the webhooks that update them never touch it.
ALTER TABLE calls ADD COLUMN steps_purged_at BIGINT;
CREATE INDEX calls_steps_kept ON calls (ended_at)
    WHERE ended_at IS NOT NULL AND steps_purged_at IS NULL;
