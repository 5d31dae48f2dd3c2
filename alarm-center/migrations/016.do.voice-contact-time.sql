-- The alarm's time of first voice contact: an operator answered the unit's call (or the call-back)
-- and spoke to the resident. One of the alarm's response times, beside answered (taken),
-- dispatched, accepted, arrived and closed.
ALTER TABLE alarms ADD COLUMN voice_contact_at timestamptz;
