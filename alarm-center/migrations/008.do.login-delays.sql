-- Logins are slowed, never locked: failures are counted per account, per address and per known
-- workstation (login_failures), and a workstation where a user has logged in before is
-- remembered (known_workstations) so guesses made elsewhere do not hold its operator back.

ALTER TABLE users DROP COLUMN failed_logins, DROP COLUMN locked_until;

-- key: 'account:<username>' (whether or not the user exists), 'address:<ip>', 'workstation:<hash>'.
CREATE TABLE login_failures (
  key text PRIMARY KEY,
  failures integer NOT NULL,
  last_failure_at timestamptz NOT NULL
);
CREATE INDEX login_failures_by_age ON login_failures (last_failure_at);

-- A random token in a long-lived httpOnly cookie; only its SHA-256 is stored, like sessions.
CREATE TABLE known_workstations (
  token_hash text NOT NULL,
  username text NOT NULL REFERENCES users(username) ON DELETE CASCADE,
  last_login_at timestamptz NOT NULL,
  PRIMARY KEY (token_hash, username)
);
CREATE INDEX known_workstations_by_age ON known_workstations (last_login_at);
