#!/usr/bin/env bash
# Starts a local trackerd (HTTP only) pinned to core 0 and the load tester's http mode pinned to
# core 1, and prints the load tester's report. Extra arguments go to the load tester, e.g.
# --rate 5000 or --set http.keep_alive=false.
#   scripts/run-load-test-http.sh [--duration 30] [--rate N] [--json FILE]
# TRACKER=opentracker loads a local opentracker instead (Debian package, a whitelist build given
# the workload's info hashes; it closes every connection after its reply). TARGET=URL loads
# another tracker that is already running.
set -euo pipefail
cd "$(dirname "$0")/.."
loadtest=scripts/loadtest # builds tracker-loadtest.jar if it is missing
if [ -n "${TARGET:-}" ]; then
  exec taskset -c 1 $loadtest http --target "$TARGET" "$@"
fi
port=${PORT:-26970}
work=$(mktemp -d)
if [ "${TRACKER:-trackerd}" = opentracker ]; then
  command -v opentracker >/dev/null || { apt-get update -qq && apt-get install -y -qq opentracker >/dev/null; }
  chmod 755 "$work" # opentracker drops to nobody after its chroot into $work
  $loadtest --print-info-hashes "$@" >"$work/whitelist.txt"
  taskset -c 0 opentracker -i 127.0.0.1 -p "$port" -P "$port" -w whitelist.txt -d "$work" >"$work/tracker.log" 2>&1 &
else
  [ -f tracker-server/target/tracker.jar ] || mvn -B -q -DskipTests package -pl tracker-server -am
  taskset -c 0 java -Xms1g -Xmx1g -jar tracker-server/target/tracker.jar \
    --set "http.listen=[\"127.0.0.1:$port\"]" --set udp.enabled=false --set ws.enabled=false \
    --set 'metrics.listen="127.0.0.1:0"' --set workers.socket_workers=1 \
    --set limits.new_torrents_per_address_burst=0 >"$work/tracker.log" 2>&1 &
fi
tracker=$!
trap 'kill $tracker 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
taskset -c 1 $loadtest http --target "http://127.0.0.1:$port/announce" --set run.tracker_pid=$tracker "$@"
