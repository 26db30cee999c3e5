-- The W3C trace context each event continues, beside its body: the relay puts it in the AMQP
-- headers (`traceparent`) without parsing the JSON. NULL for events written before tracing.
ALTER TABLE outbox ADD COLUMN traceparent TEXT;

-- When the relay transaction that published the event began (its claim): with created_at and
-- dispatched_at it splits an event's wait into wake-up, and claim + publish + confirm.
ALTER TABLE outbox ADD COLUMN claimed_at TIMESTAMPTZ;
