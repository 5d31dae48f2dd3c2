#!/usr/bin/env bash
# Installs and starts what the test suite needs, idempotently: Debian's chromium, mosquitto
# (server and clients), influxdb 1.x, sip-tester (sipp), baresip (a second, independent SIP
# stack for the SCAIP gateway's tests) and haproxy (the cluster tests' load balancer); checks the
# local PostgreSQL.
# Tests start their own brokers, InfluxDB and browsers on free ports; nothing here binds a port.
set -euo pipefail

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v mosquitto >/dev/null 2>&1 || [ -x /usr/sbin/mosquitto ] || need+=(mosquitto)
command -v mosquitto_pub >/dev/null 2>&1 || need+=(mosquitto-clients)
command -v influxd >/dev/null 2>&1 || need+=(influxdb)
command -v sipp >/dev/null 2>&1 || need+=(sip-tester)
command -v baresip >/dev/null 2>&1 || need+=(baresip-core)
command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ] || need+=(haproxy)

if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "test prerequisites missing: ${need[*]} (install them with apt-get as root)" >&2
    exit 1
  fi
  echo "installing test prerequisites: ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# The machine's PostgreSQL (127.0.0.1:5432, trust auth). Start it if it has stopped.
if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    echo "starting the local PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start || true
  fi
  for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null && break; sleep 1; done
fi
pg_isready -h 127.0.0.1 -p 5432 -q || { echo "PostgreSQL is not reachable on 127.0.0.1:5432 (set TEST_DATABASE_URL)" >&2; exit 1; }
# Redis (broker cluster tests); start it if it has stopped.
if command -v redis-cli >/dev/null 2>&1 && ! redis-cli -h 127.0.0.1 ping >/dev/null 2>&1; then
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log || true
fi
# The SCAIP gateway asks for a 4 MiB UDP receive buffer (a burst of alarms waits there while it is
# busy); Linux grants at most net.core.rmem_max, Debian's default 208 KiB. Raise it if we may.
if [ -r /proc/sys/net/core/rmem_max ] && [ "$(cat /proc/sys/net/core/rmem_max)" -lt 4194304 ]; then
  if [ "$(id -u)" = 0 ]; then
    sysctl -q -w net.core.rmem_max=4194304 || echo "could not raise net.core.rmem_max; the UDP burst test needs 4 MiB" >&2
  else
    echo "net.core.rmem_max is below 4 MiB: the gateway's UDP burst test will fail (sysctl -w net.core.rmem_max=4194304 as root)" >&2
  fi
fi
echo "test prerequisites ready"
