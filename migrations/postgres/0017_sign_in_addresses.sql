-- The addresses each agent has signed in from: while a username is under a guessing attack from
-- many places, its owner still gets in from a place they signed in from before.
CREATE TABLE agent_sign_in_addresses (
    agent_id BIGINT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    address TEXT NOT NULL,
    last_at BIGINT NOT NULL,
    PRIMARY KEY (agent_id, address)
);
CREATE INDEX agent_sign_in_addresses_age ON agent_sign_in_addresses (last_at);
