-- Responders and dispatch (the responders feature): who can be sent (people and teams, their
-- districts, shifts and live status), every dispatch of an alarm with its steps and job sheet,
-- the key register with its sign-out log, and the response times on the alarm itself.

CREATE TABLE responders (
  id text PRIMARY KEY,
  name text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('person', 'team')),
  districts text[] NOT NULL,
  shift_start text NOT NULL DEFAULT '00:00',
  shift_end text NOT NULL DEFAULT '00:00',
  status text NOT NULL DEFAULT 'off' CHECK (status IN ('on_duty', 'busy', 'off')),
  status_changed_at timestamptz NOT NULL,
  -- The login of the responder's phone; a responder-role user sees only this responder's dispatches.
  username text UNIQUE REFERENCES users(username),
  phone text
);

CREATE TABLE dispatches (
  id bigserial PRIMARY KEY,
  alarm_id bigint NOT NULL REFERENCES alarms(id),
  responder_id text NOT NULL REFERENCES responders(id),
  state text NOT NULL CHECK (state IN ('dispatched', 'accepted', 'on_the_way', 'arrived', 'done', 'could_not_enter', 'reassigned', 'cancelled')),
  dispatched_by text NOT NULL,
  notes text NOT NULL DEFAULT '',
  key_id text,
  dispatched_at timestamptz NOT NULL,
  accept_by timestamptz NOT NULL,
  accept_timed_out_at timestamptz,
  accepted_at timestamptz,
  on_the_way_at timestamptz,
  eta_minutes integer,
  arrived_at timestamptz,
  arrived_via text CHECK (arrived_via IN ('app', 'unit')),
  ended_at timestamptz,
  job_sheet jsonb
);
-- One active dispatch per alarm: a re-dispatch ends the earlier one ('reassigned') first.
CREATE UNIQUE INDEX dispatches_one_active_per_alarm ON dispatches (alarm_id)
  WHERE state IN ('dispatched', 'accepted', 'on_the_way', 'arrived');
CREATE INDEX dispatches_by_responder ON dispatches (responder_id, id DESC);
CREATE INDEX dispatches_awaiting_accept ON dispatches (accept_by)
  WHERE state = 'dispatched' AND accept_timed_out_at IS NULL;
CREATE INDEX dispatches_arrived ON dispatches (arrived_at) WHERE arrived_at IS NOT NULL;

CREATE TABLE resident_keys (
  id text PRIMARY KEY,
  resident_id text NOT NULL REFERENCES residents(id),
  kind text NOT NULL CHECK (kind IN ('key', 'key_safe', 'digital_lock')),
  label text NOT NULL,
  lock_device_id text REFERENCES devices(id),
  holder text,
  signed_out_at timestamptz,
  CHECK ((kind = 'digital_lock') = (lock_device_id IS NOT NULL))
);
CREATE INDEX resident_keys_by_resident ON resident_keys (resident_id);

-- Every sign-out, sign-in and lock opening. Append-only, like the audit log.
CREATE TABLE key_events (
  id bigserial PRIMARY KEY,
  key_id text NOT NULL REFERENCES resident_keys(id),
  at timestamptz NOT NULL,
  action text NOT NULL CHECK (action IN ('signed_out', 'signed_in', 'lock_opened', 'lock_refused')),
  actor text NOT NULL,
  dispatch_id bigint REFERENCES dispatches(id)
);
CREATE INDEX key_events_by_key ON key_events (key_id, id);
CREATE TRIGGER key_events_no_change BEFORE UPDATE OR DELETE ON key_events
  FOR EACH ROW EXECUTE FUNCTION audit_log_is_append_only();

-- The response times on the alarm (received is opened_at, closed is closed_at).
ALTER TABLE alarms ADD COLUMN dispatched_at timestamptz;
ALTER TABLE alarms ADD COLUMN accepted_at timestamptz;
ALTER TABLE alarms ADD COLUMN arrived_at timestamptz;
