-- The alarm's voice call (issue 17), owned by the voice feature: one row per call the SCAIP
-- gateway offered, moved along by its events (offered -> ringing -> answered -> ended). The
-- alarm's history gets an entry per step (alarm_events, through the alarms service). No audio is
-- stored: there is no recording.
CREATE TABLE voice_calls (
  call_id text PRIMARY KEY,
  alarm_id bigint REFERENCES alarms(id),
  device_id text NOT NULL,
  direction text NOT NULL CHECK (direction IN ('unit-calls', 'receiver-calls-back')),
  media text NOT NULL,
  state text NOT NULL CHECK (state IN ('offered', 'ringing', 'answered', 'ended')),
  offered_at timestamptz NOT NULL,
  deadline_at timestamptz NOT NULL,
  ringing_at timestamptz,
  codec text,
  answered_by text,
  answered_at timestamptz,
  ended_at timestamptz,
  end_reason text,
  duration_s real
);
CREATE INDEX voice_calls_by_alarm ON voice_calls (alarm_id, offered_at DESC);
