#!/usr/bin/env bash
# Starts a local WebTorrent tracker pinned to core 0 and the load tester's ws mode pinned to
# core 1, and prints the load tester's report. Extra arguments go to the load tester, e.g.
# --connections 200 or --set ws.offers_per_announce=10.
#   scripts/run-load-test-ws.sh [--duration 30] [--rate N] [--json FILE]
# The local tracker is trackerd (WebSocket only, one socket worker, inline swarm: one core; no
# per-address new-torrent budget, as every load-test connection comes from 127.0.0.1);
# TRACKER=bittorrent-tracker loads the npm bittorrent-tracker server instead (the reference,
# installed into tracker-loadtest/src/test/node as for the tests). TARGET=URL loads another
# tracker that is already running (ws://IP:PORT or wss://IP:PORT).
set -euo pipefail
cd "$(dirname "$0")/.."
loadtest=scripts/loadtest # builds tracker-loadtest.jar if it is missing
if [ -n "${TARGET:-}" ]; then
  exec taskset -c 1 $loadtest ws --target "$TARGET" "$@"
fi
log=$(mktemp)
if [ "${TRACKER:-trackerd}" = bittorrent-tracker ]; then
  scripts/install-bittorrent-tracker
  node_dir=tracker-loadtest/src/test/node
  taskset -c 0 node "$node_dir/reference-tracker.mjs" </dev/null >"$log" 2>&1 &
  tracker=$!
  trap 'kill $tracker 2>/dev/null || true; rm -f "$log"' EXIT
  for _ in $(seq 100); do grep -q '"http"' "$log" && break; sleep 0.1; done
  port=$(sed -n 's/.*"http":\([0-9]*\).*/\1/p' "$log")
  [ -n "$port" ] || { cat "$log" >&2; exit 1; }
else
  port=${PORT:-26971}
  [ -f tracker-server/target/tracker.jar ] || mvn -B -q -DskipTests package -pl tracker-server -am
  taskset -c 0 java -Xms1g -Xmx1g -jar tracker-server/target/tracker.jar \
    --set "ws.listen=[\"127.0.0.1:$port\"]" --set udp.enabled=false --set http.enabled=false \
    --set 'metrics.listen="127.0.0.1:0"' --set workers.socket_workers=1 --set workers.swarm_workers=0 \
    --set limits.new_torrents_per_address_burst=0 \
    >"$log" 2>&1 &
  tracker=$!
  trap 'kill $tracker 2>/dev/null || true; rm -f "$log"' EXIT
  for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
fi
taskset -c 1 $loadtest ws --target "ws://127.0.0.1:$port" --set run.tracker_pid=$tracker "$@"
