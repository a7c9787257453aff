#!/usr/bin/env bash
# Starts a local WebTorrent tracker pinned to core 0 and the load tester's ws mode pinned to
# core 1, and prints the load tester's report. Extra arguments go to the load tester, e.g.
# --connections 200 or --set ws.offers_per_announce=10.
#   scripts/run-load-test-ws.sh [--duration 30] [--rate N] [--json FILE]
# trackerd serves no WebSocket yet (this build: UDP), so the local tracker is the npm
# bittorrent-tracker package (installed into tracker-loadtest/src/test/node, as for the tests).
# TARGET=URL loads another tracker (ws://IP:PORT or wss://IP:PORT).
set -euo pipefail
cd "$(dirname "$0")/.."
loadtest=scripts/loadtest # builds tracker-loadtest.jar if it is missing
if [ -n "${TARGET:-}" ]; then
  exec taskset -c 1 $loadtest ws --target "$TARGET" "$@"
fi
scripts/install-bittorrent-tracker
node_dir=tracker-loadtest/src/test/node
log=$(mktemp)
taskset -c 0 node "$node_dir/reference-tracker.mjs" </dev/null >"$log" 2>&1 &
tracker=$!
trap 'kill $tracker 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 100); do grep -q '"http"' "$log" && break; sleep 0.1; done
port=$(sed -n 's/.*"http":\([0-9]*\).*/\1/p' "$log")
[ -n "$port" ] || { cat "$log" >&2; exit 1; }
taskset -c 1 $loadtest ws --target "ws://127.0.0.1:$port" --set run.tracker_pid=$tracker "$@"
