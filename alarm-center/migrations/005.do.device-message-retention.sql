-- device_messages is the de-duplication log of accepted device events. A retransmission comes
-- within minutes (the SCAIP gateway's message ids carry their 10-minute window), so rows are kept
-- for a bounded time and pruned by received_at (src/ingest/retention.ts); this index serves that.
CREATE INDEX device_messages_received_at ON device_messages (received_at);
