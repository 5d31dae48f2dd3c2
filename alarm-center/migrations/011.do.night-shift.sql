-- The night shift: repeated presses linked to the case they follow, and mass outages shown as
-- one incident. Received, answered and closed times already exist on alarms (opened_at,
-- acknowledged_at, closed_at); answer-time targets are settings, not data.

-- A press within REOPEN_WINDOW_S after an alarm of the same device and kind was closed follows
-- that case: the new alarm names the one it follows, and both histories show the link.
ALTER TABLE alarms ADD COLUMN follows_alarm_id bigint REFERENCES alarms(id);
CREATE INDEX alarms_recently_closed ON alarms (device_id, kind, closed_at DESC) WHERE status = 'closed';

-- Many units of one group (a district, a gateway, a carrier) silent or without mains power at
-- once: one incident instead of one alarm each. Owned by the incidents feature.
CREATE TABLE incidents (
  id bigserial PRIMARY KEY,
  group_type text NOT NULL CHECK (group_type IN ('district', 'gateway', 'carrier')),
  group_key text NOT NULL,
  group_size integer NOT NULL,
  started_at timestamptz NOT NULL,
  opened_at timestamptz NOT NULL,
  closed_at timestamptz,
  returned integer NOT NULL DEFAULT 0,
  not_returned integer NOT NULL DEFAULT 0
);
-- At most one open incident per group: later losses in the group join it.
CREATE UNIQUE INDEX incidents_one_open_per_group ON incidents (group_type, group_key) WHERE closed_at IS NULL;

CREATE TABLE incident_units (
  incident_id bigint NOT NULL REFERENCES incidents(id),
  device_id text NOT NULL REFERENCES devices(id),
  lost_at timestamptz NOT NULL,
  returned_at timestamptz,
  PRIMARY KEY (incident_id, device_id)
);

-- A unit's outage alarm grouped under its incident: the queue shows the incident, not each alarm.
ALTER TABLE alarms ADD COLUMN incident_id bigint REFERENCES incidents(id);
CREATE INDEX alarms_by_incident ON alarms (incident_id) WHERE incident_id IS NOT NULL;

-- The closed-alarm search pages through closed alarms newest first.
CREATE INDEX alarms_closed_by_time ON alarms (closed_at DESC, id DESC) WHERE status = 'closed';
