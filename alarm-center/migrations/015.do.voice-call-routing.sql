-- Ring upp across gateway instances and restarts (issue 17). A call remembers the gateway
-- instance that holds it (its events name it), so joining and hanging up go to that instance's
-- bridge, and the unit's address (its sip: crd and the transport its controller spoke), so any
-- instance can call the unit back after a restart or while the first one is down. Numbered 015:
-- 014 is taken by work landing in parallel.
ALTER TABLE voice_calls
  ADD COLUMN gateway_instance text,
  ADD COLUMN unit_uri text,
  ADD COLUMN unit_transport text CHECK (unit_transport IN ('udp', 'tcp', 'tls'));
CREATE INDEX voice_calls_by_device ON voice_calls (device_id, offered_at DESC) WHERE unit_uri IS NOT NULL;
