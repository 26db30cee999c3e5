-- The W3C trace context each event continues, beside its body: the relay puts it in the AMQP
-- headers (`traceparent`) without parsing the JSON. NULL for events written before tracing.
ALTER TABLE outbox ADD COLUMN traceparent TEXT;
