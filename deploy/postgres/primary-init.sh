#!/bin/sh
# Run once by the official postgres image when it creates the primary's data directory
# (/docker-entrypoint-initdb.d): a role the streaming replica logs in with, allowed to connect for
# replication from the compose network, and synchronous commit to the replica named "replica", so
# a commit (and so a device's PUBACK) waits until the replica has the alarm on disk (README,
# "Scaling out"). Set through ALTER SYSTEM, not on the command line: the image's temporary
# initialisation server would otherwise wait for a standby that does not exist yet.
set -eu
: "${REPLICATION_PASSWORD:?set REPLICATION_PASSWORD}"
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v password="$REPLICATION_PASSWORD" <<'SQL'
CREATE ROLE replicator WITH REPLICATION LOGIN PASSWORD :'password';
ALTER SYSTEM SET synchronous_standby_names = 'replica';
SQL
echo "host replication replicator all scram-sha-256" >> "$PGDATA/pg_hba.conf"
