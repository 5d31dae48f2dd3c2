-- Call recordings, kept only when the municipality turns the recording policy on
-- (VOICE_RECORDING_RETENTION_DAYS). A row is written when the operator joins a recorded call (so a
-- recording that never arrived shows as one), its audio when the call ended: the gateway's WAV,
-- encrypted with the PII key (AES-256-GCM). Deleted by the retention sweep at expires_at.
CREATE TABLE voice_recordings (
  call_id text PRIMARY KEY REFERENCES voice_calls (call_id) ON DELETE CASCADE,
  alarm_id bigint NOT NULL,
  resident_id text,
  started_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  audio_enc bytea,
  stored_at timestamptz
);
CREATE INDEX voice_recordings_expires ON voice_recordings (expires_at);
