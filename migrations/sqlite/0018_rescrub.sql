-- Free text kept before it was scrubbed as it is written (agents' notes, caller IDs) may hold card
-- numbers: upkeep scrubs each table once, in batches, remembering here how far it got.
CREATE TABLE rescrub_progress (
    source TEXT PRIMARY KEY NOT NULL,
    -- The last key scrubbed: an id for notes, a call id for calls ('' before the first batch).
    last_key TEXT NOT NULL,
    -- When the whole table was done (UTC ms); rows written since are scrubbed as written.
    done_at BIGINT
);
INSERT INTO rescrub_progress (source, last_key) VALUES ('transfers', ''), ('callbacks', ''), ('calls', '');
