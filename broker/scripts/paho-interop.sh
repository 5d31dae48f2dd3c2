#!/usr/bin/env bash
# Runs the Eclipse Paho MQTT 3.1.1 interoperability client tests (interoperability/client_test.py of
# eclipse-paho/paho.mqtt.testing, which is not ours and never committed here) against a broker on a
# free loopback port, and prints the pass count. The suite's own argument parsing cannot take a port
# (its `-h` matches "--help", and unittest re-reads the arguments), so a small wrapper sets them.
#
#   broker/scripts/paho-interop.sh /path/to/paho.mqtt.testing [ours|aedes|mosquitto]
#
# `ours` is the standalone broker (broker/src/main.ts) with MQTT_ALLOW_ANONYMOUS=true and the
# suite's no-subscribe topic; `aedes` is bare aedes; `mosquitto` a private Mosquitto (temp config).
set -euo pipefail

suite=${1:?usage: paho-interop.sh /path/to/paho.mqtt.testing [ours|aedes|mosquitto]}
against=${2:-ours}
suite_dir=$(cd "$suite" && pwd)/interoperability
[[ -f $suite_dir/client_test.py ]] || { echo "no interoperability/client_test.py under $suite" >&2; exit 2; }
broker_dir=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
pid=
cleanup() {
  [[ -n $pid ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

case $against in
  ours)
    (cd "$broker_dir" && MQTT_HOST=127.0.0.1 MQTT_PORT=$port MQTT_ALLOW_ANONYMOUS=true \
      MQTT_NO_SUBSCRIBE_TOPICS=test/nosubscribe METRICS_PORT=0 LOG_LEVEL=warn \
      exec node --import tsx src/main.ts) >"$work/broker.log" 2>&1 &
    pid=$!
    ;;
  aedes)
    (cd "$broker_dir" && exec node --input-type=module -e "
      import { createServer } from 'node:net';
      import { Aedes } from 'aedes';
      const aedes = await Aedes.createBroker();
      createServer(aedes.handle).listen($port, '127.0.0.1');") >"$work/broker.log" 2>&1 &
    pid=$!
    ;;
  mosquitto)
    printf 'listener %s 127.0.0.1\nallow_anonymous true\n' "$port" >"$work/mosquitto.conf"
    mosquitto -c "$work/mosquitto.conf" >"$work/broker.log" 2>&1 &
    pid=$!
    ;;
  *) echo "unknown broker '$against' (ours, aedes or mosquitto)" >&2; exit 2 ;;
esac

for _ in $(seq 100); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  kill -0 "$pid" 2>/dev/null || { cat "$work/broker.log" >&2; exit 1; }
  sleep 0.1
done

cat >"$work/run.py" <<'PY'
import runpy, sys, unittest
suite_dir, port = sys.argv[1], sys.argv[2]
sys.path.insert(0, suite_dir)
real_main = unittest.main
unittest.main = lambda *a, **k: real_main(*a, argv=["client_test.py"], **k)
sys.argv = ["client_test.py", "--hostname=127.0.0.1", "--port=" + port]
runpy.run_path(suite_dir + "/client_test.py", run_name="__main__")
PY
set +e
(cd "$suite_dir" && python3 "$work/run.py" "$suite_dir" "$port") >"$work/suite.log" 2>&1
set -e
grep -E ' test.* (succeeded|failed)$' "$work/suite.log" || true
ran=$(grep -oE '^Ran [0-9]+' "$work/suite.log" | grep -oE '[0-9]+' || echo 0)
failures=$(grep -oE 'failures=[0-9]+' "$work/suite.log" | grep -oE '[0-9]+' || echo 0)
errors=$(grep -oE 'errors=[0-9]+' "$work/suite.log" | grep -oE '[0-9]+' || echo 0)
echo "paho client_test.py against $against: $((ran - failures - errors))/$ran passed"
