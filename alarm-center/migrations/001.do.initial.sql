-- Initial schema: residents, devices and their credentials, the device message log used for
-- de-duplication, alarms with their append-only history, users, sessions and the audit log.

CREATE TABLE residents (
  id text PRIMARY KEY,
  name text NOT NULL,
  address text NOT NULL,
  district text NOT NULL,
  access text NOT NULL DEFAULT '',
  door_code_enc text,            -- AES-256-GCM, key from PII_KEY; never logged
  personal_number_enc text,      -- AES-256-GCM
  contacts jsonb NOT NULL DEFAULT '[]',
  notes text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE devices (
  id text PRIMARY KEY,
  device_type text NOT NULL,
  serial text NOT NULL,
  resident_id text REFERENCES residents(id),
  district text NOT NULL,
  heartbeat_interval_s integer NOT NULL DEFAULT 60,
  rules jsonb NOT NULL DEFAULT '{}',
  status text NOT NULL DEFAULT 'provisioned' CHECK (status IN ('provisioned', 'installed', 'retired')),
  firmware text,
  battery integer,
  signal_dbm integer,
  last_seen_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE device_credentials (
  device_id text PRIMARY KEY REFERENCES devices(id),
  secret_hash text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz
);

-- Every accepted device event, once: the primary key is the de-duplication key.
CREATE TABLE device_messages (
  device_id text NOT NULL,
  message_id text NOT NULL,
  event_type text NOT NULL,
  device_ts timestamptz NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  body jsonb NOT NULL,
  PRIMARY KEY (device_id, message_id)
);
CREATE INDEX device_messages_recent ON device_messages (device_id, received_at DESC);

CREATE TABLE alarms (
  id bigserial PRIMARY KEY,
  device_id text NOT NULL REFERENCES devices(id),
  resident_id text REFERENCES residents(id),
  district text NOT NULL,
  kind text NOT NULL,
  priority smallint NOT NULL CHECK (priority BETWEEN 1 AND 4),
  audience text NOT NULL CHECK (audience IN ('operator', 'technician')),
  status text NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'acknowledged', 'dispatched', 'closed')),
  opened_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  repeat_count integer NOT NULL DEFAULT 0,
  escalated_at timestamptz,
  acknowledged_by text,
  acknowledged_at timestamptz,
  dispatched_to text,
  closed_at timestamptz,
  outcome text,
  details jsonb NOT NULL DEFAULT '{}',
  source_message_id text
);
-- At most one open alarm per device and kind: a repeat is counted on it, not a new alarm.
CREATE UNIQUE INDEX alarms_one_open_per_device_kind ON alarms (device_id, kind) WHERE status <> 'closed';
CREATE INDEX alarms_open ON alarms (priority, opened_at) WHERE status <> 'closed';

CREATE TABLE alarm_events (
  id bigserial PRIMARY KEY,
  alarm_id bigint NOT NULL REFERENCES alarms(id),
  at timestamptz NOT NULL,
  type text NOT NULL,
  actor text,
  note text
);
CREATE INDEX alarm_events_by_alarm ON alarm_events (alarm_id, id);

CREATE TABLE users (
  username text PRIMARY KEY,
  display_name text NOT NULL,
  role text NOT NULL,
  password_hash text NOT NULL,
  failed_logins integer NOT NULL DEFAULT 0,
  locked_until timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE sessions (
  token_hash text PRIMARY KEY,
  username text NOT NULL REFERENCES users(username),
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL
);

-- Who looked at which personal data, when and why. Append-only: no UPDATE or DELETE.
CREATE TABLE audit_log (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  actor text NOT NULL,
  action text NOT NULL,
  subject_type text NOT NULL,
  subject_id text NOT NULL,
  reason text
);
CREATE FUNCTION audit_log_is_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_is_append_only();

-- SCAIP controllers (gateway): provisioned like any device.
CREATE TABLE scaip_controllers (
  controller_id text PRIMARY KEY,
  heartbeat_interval_s integer NOT NULL DEFAULT 300
);
CREATE TABLE scaip_devices (
  controller_id text NOT NULL REFERENCES scaip_controllers(controller_id),
  scaip_device_type text NOT NULL,
  scaip_device_id text NOT NULL DEFAULT '',
  device_id text NOT NULL REFERENCES devices(id),
  PRIMARY KEY (controller_id, scaip_device_type, scaip_device_id)
);
