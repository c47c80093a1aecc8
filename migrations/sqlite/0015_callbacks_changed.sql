-- The console's live list of callbacks polls for those asked for or closed since its last look.
CREATE INDEX callbacks_created ON callbacks (created_at);
CREATE INDEX callbacks_closed ON callbacks (closed_at);
