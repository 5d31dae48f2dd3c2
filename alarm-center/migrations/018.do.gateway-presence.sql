-- Whether each gateway instance is up, as it said last (issue 17): 'online' when it connects and
-- again every GATEWAY_PRESENCE_INTERVAL_S, 'offline' when the broker says its Last Will. Kept in
-- the database so every alarm-center node, also one that restarted, judges a silent instance alike.
CREATE TABLE gateway_presence (
  instance text PRIMARY KEY,
  state text NOT NULL CHECK (state IN ('online', 'offline')),
  seen_at timestamptz NOT NULL
);
