-- Events a payment gateway posted (Stripe's signed webhooks), by the gateway's own event id: an
-- event delivered again is recognised and not acted on twice. Only ids and types are kept; the
-- event bodies are not.
CREATE TABLE gateway_events (
    gateway TEXT NOT NULL,
    event_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    PRIMARY KEY (gateway, event_id)
);
-- Events name a payment by the gateway's reference for it.
CREATE INDEX payments_gateway_reference ON payments (gateway, gateway_reference);
