-- The end-of-call satisfaction survey: one row per call that was asked, filled in as the caller
-- answers. Either answer may stay NULL: every question can be skipped. Times are UTC milliseconds.
CREATE TABLE surveys (
    provider TEXT NOT NULL,
    call_sid TEXT NOT NULL,
    -- When the first survey question was put to the caller.
    offered_at BIGINT NOT NULL,
    -- 1 when the caller said the call took care of what they called about, 0 when not.
    resolved BIGINT CHECK (resolved IS NULL OR resolved IN (0, 1)),
    -- The caller's rating, 1 (poor) to 5 (excellent).
    rating BIGINT CHECK (rating IS NULL OR rating BETWEEN 1 AND 5),
    -- When the last answer was given.
    answered_at BIGINT,
    PRIMARY KEY (provider, call_sid)
);
CREATE INDEX surveys_offered ON surveys (offered_at);
