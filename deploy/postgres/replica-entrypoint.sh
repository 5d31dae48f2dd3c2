#!/bin/sh
# The streaming replica (a hot standby): on first start its data directory is a base backup of the
# primary (pg_basebackup -R: standby.signal and primary_conninfo written, WAL streamed during the
# copy, a replication slot so the primary keeps the WAL the replica has not yet received), then
# PostgreSQL runs as a hot standby named "replica" (cluster_name is the name the primary's
# synchronous_standby_names refers to). Promote it with `pg_ctl promote` (README, "Scaling out").
set -eu
: "${PRIMARY_HOST:?set PRIMARY_HOST}" "${REPLICATION_PASSWORD:?set REPLICATION_PASSWORD}"
export PGPASSWORD="$REPLICATION_PASSWORD"
mkdir -p "$PGDATA"
chown postgres:postgres "$PGDATA"
chmod 700 "$PGDATA"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  until pg_isready -h "$PRIMARY_HOST" -U replicator -q; do sleep 1; done
  # The slot survives a re-created replica: create it only when the primary has none yet.
  if gosu postgres psql -h "$PRIMARY_HOST" -U replicator -d postgres -tAc \
    "SELECT 1 FROM pg_replication_slots WHERE slot_name = 'replica'" | grep -q 1; then
    create_slot=""
  else
    create_slot="--create-slot"
  fi
  gosu postgres pg_basebackup -h "$PRIMARY_HOST" -U replicator -D "$PGDATA" \
    -R -X stream --slot=replica $create_slot --checkpoint=fast
fi
exec gosu postgres postgres -c hot_standby=on -c cluster_name=replica
