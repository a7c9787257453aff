#!/usr/bin/env bash
# Starts a local tracker pinned to core 0 and the UDP load tester pinned to core 1, and prints
# the load tester's report. Extra arguments go to the load tester, e.g. --rate 50000.
#   scripts/run-load-test-udp.sh [--duration 30] [--rate N] [--json FILE]
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f tracker-server/target/tracker.jar ] && [ -f tracker-loadtest/target/tracker-loadtest.jar ] \
  || mvn -B -q -DskipTests package -pl tracker-server,tracker-loadtest -am
port=${PORT:-26969}
taskset -c 0 java -Xms1g -Xmx1g -jar tracker-server/target/tracker.jar \
  --set "udp.listen=[\"127.0.0.1:$port\"]" --set http.enabled=false --set ws.enabled=false \
  --set 'metrics.listen="127.0.0.1:0"' --set workers.socket_workers=1 \
  --set limits.new_torrents_per_address_burst=0 >/tmp/run-load-test-udp.log 2>&1 &
tracker=$!
trap 'kill $tracker 2>/dev/null || true' EXIT
for _ in $(seq 100); do grep -q "trackerd .* started" /tmp/run-load-test-udp.log && break; sleep 0.1; done
taskset -c 1 java -jar tracker-loadtest/target/tracker-loadtest.jar udp --target "127.0.0.1:$port" "$@"
