-- The alarm center's published views for the services that run beside it (the standalone broker,
-- the SCAIP gateway): they read these, never the tables behind them, so the tables can change
-- without breaking them. Documented in alarm-center/README.md ("Views for other services").

-- The stored hash of each device's active secret: not revoked, device not retired.
CREATE VIEW directory_device_secrets AS
  SELECT c.device_id, c.secret_hash
  FROM device_credentials c JOIN devices d ON d.id = c.device_id
  WHERE c.revoked_at IS NULL AND d.status <> 'retired';

-- Every device that is not retired, with what a protocol gateway needs to serve it.
CREATE VIEW directory_active_devices AS
  SELECT id AS device_id, device_type, heartbeat_interval_s
  FROM devices
  WHERE status <> 'retired';
