-- Digital night supervision: each resident's plan of night visits and how each is done, the
-- consents that make camera look-ins lawful, one row per visit per night, and the append-only
-- log of every camera frame viewed or refused.

CREATE TABLE supervision_plans (
  resident_id text PRIMARY KEY REFERENCES residents(id),
  night_team text NOT NULL,
  time_zone text NOT NULL DEFAULT 'Europe/Stockholm',
  -- Someone who lives with the resident; camera look-ins then need their consent too.
  cohabitant_name text,
  -- False when the resident cannot give consent: only anonymized sensors may then be used.
  resident_can_consent boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);

CREATE TABLE supervision_plan_visits (
  id bigserial PRIMARY KEY,
  resident_id text NOT NULL REFERENCES supervision_plans(resident_id) ON DELETE CASCADE,
  time_of_night text NOT NULL CHECK (time_of_night ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$'),
  mode text NOT NULL CHECK (mode IN ('physical', 'camera', 'sensor')),
  UNIQUE (resident_id, time_of_night)
);

CREATE TABLE supervision_consents (
  id bigserial PRIMARY KEY,
  resident_id text NOT NULL REFERENCES residents(id),
  party text NOT NULL CHECK (party IN ('resident', 'cohabitant')),
  party_name text,
  scope text NOT NULL CHECK (scope IN ('camera', 'sensor')),
  recorded_by text NOT NULL REFERENCES users(username),
  recorded_at timestamptz NOT NULL,
  withdrawn_at timestamptz,
  withdrawn_by text REFERENCES users(username),
  CHECK (withdrawn_at IS NULL OR withdrawn_at >= recorded_at)
);
CREATE INDEX supervision_consents_by_resident ON supervision_consents (resident_id);

-- One visit of one night. Mode is copied from the plan when the night is laid out and follows
-- plan changes while the visit is still open; closed visits keep what was done.
CREATE TABLE supervision_visits (
  id bigserial PRIMARY KEY,
  plan_visit_id bigint REFERENCES supervision_plan_visits(id) ON DELETE SET NULL,
  resident_id text NOT NULL REFERENCES residents(id),
  night date NOT NULL,
  time_of_night text NOT NULL,
  due_at timestamptz NOT NULL,
  mode text NOT NULL CHECK (mode IN ('physical', 'camera', 'sensor')),
  status text NOT NULL DEFAULT 'pending'
    CHECK (status IN ('pending', 'due', 'done_all_well', 'escalated_physical', 'escalated_alarm', 'missed')),
  -- Why the mode last changed behind the night team's back, e.g. 'consent_withdrawn'.
  mode_changed_reason text,
  closed_by text,
  closed_at timestamptz,
  note text,
  alarm_id bigint REFERENCES alarms(id),
  UNIQUE (resident_id, night, time_of_night)
);
CREATE INDEX supervision_visits_open ON supervision_visits (due_at) WHERE status IN ('pending', 'due');
CREATE INDEX supervision_visits_by_night ON supervision_visits (night, due_at);

-- Who looked (or tried to look) at whose camera, when, and on what grounds. Append-only.
CREATE TABLE frame_access_log (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL,
  actor text NOT NULL,
  actor_role text NOT NULL,
  resident_id text NOT NULL,
  visit_id bigint,
  alarm_id bigint,
  allowed boolean NOT NULL,
  reason text
);
CREATE INDEX frame_access_log_recent ON frame_access_log (at DESC);

CREATE FUNCTION frame_access_log_is_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'frame_access_log is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER frame_access_log_no_change BEFORE UPDATE OR DELETE ON frame_access_log
  FOR EACH ROW EXECUTE FUNCTION frame_access_log_is_append_only();
CREATE TRIGGER frame_access_log_no_truncate BEFORE TRUNCATE ON frame_access_log
  FOR EACH STATEMENT EXECUTE FUNCTION frame_access_log_is_append_only();
