-- Alarm-center replicas: every committed change to an alarm is announced on the channel
-- `alarm_changes` as "<alarm id> <origin>", where origin is the writing connection's
-- application_name (each replica names its pool connections after itself). NOTIFY is
-- transactional: it is delivered exactly when the change commits, and never if it rolls back,
-- so a replica killed right after COMMIT has still told the others.
CREATE FUNCTION notify_alarm_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('alarm_changes', NEW.id::text || ' ' || coalesce(current_setting('application_name', true), ''));
  RETURN NULL;
END;
$$;

CREATE TRIGGER alarms_notify_change AFTER INSERT OR UPDATE ON alarms
  FOR EACH ROW EXECUTE FUNCTION notify_alarm_change();

-- The escalation sweep looks for unacknowledged, unescalated alarms by age.
CREATE INDEX alarms_awaiting_escalation ON alarms (opened_at) WHERE status = 'new' AND escalated_at IS NULL;
