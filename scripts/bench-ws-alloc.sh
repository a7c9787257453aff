#!/usr/bin/env bash
# Heap allocated per WebSocket message by trackerd under the ws load test (issue 12): the daemon
# (-Xms1g -Xmx1g, ParallelGC, WebSocket only, one socket worker, swarm inline, core 0) is loaded
# by the load tester (core 1, 5 offers per announce, every offer answered) for WARMUP seconds,
# then eden's used bytes (jstat) and the daemon's message counters (metrics) are read at the
# start and end of a WINDOW-second window. A young collection inside the window voids it (said).
#   scripts/bench-ws-alloc.sh [WARMUP] [WINDOW] [TRACKER_JAR]
set -euo pipefail
cd "$(dirname "$0")/.."
warmup=${1:-20}
window=${2:-10}
jar=${3:-tracker-server/target/tracker.jar}
port=${PORT:-26980}
metrics=$((port + 1))
[ -f "$jar" ] || mvn -B -q -DskipTests package -pl tracker-server -am
[ -f tracker-loadtest/target/tracker-loadtest.jar ] || mvn -B -q -DskipTests package -pl tracker-loadtest -am
taskset -c 0 java -Xms1g -Xmx1g -XX:+UseParallelGC -jar "$jar" \
  --set "ws.listen=[\"127.0.0.1:$port\"]" --set udp.enabled=false --set http.enabled=false \
  --set "metrics.listen=\"127.0.0.1:$metrics\"" --set workers.socket_workers=1 --set workers.swarm_workers=0 \
  --set limits.new_torrents_per_address_burst=0 >/dev/null 2>&1 &
tracker=$!
trap 'kill $tracker 2>/dev/null || true' EXIT
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
taskset -c 1 java -jar tracker-loadtest/target/tracker-loadtest.jar ws --target "ws://127.0.0.1:$port" \
  --duration $((warmup + window + 5)) --set run.warmup_seconds=0 --set run.progress=false >/dev/null 2>&1 &
load=$!
messages() { curl -s "http://127.0.0.1:$metrics/metrics" | awk '/^tracker_ws_messages_(received|sent)_total/ { s += $NF } END { printf "%d\n", s }'; }
eden() { jstat -gc $tracker | awk 'NR == 2 { printf "%d %d\n", $6 * 1024, $13 }'; } # EU (bytes), YGC
sleep "$warmup"
read -r e0 g0 < <(eden); m0=$(messages)
sleep "$window"
read -r e1 g1 < <(eden); m1=$(messages)
wait $load || true
n=$((m1 - m0))
if [ "$g1" != "$g0" ]; then
  echo "a young collection ran in the window ($g0 -> $g1): no figure; $n messages"
else
  echo "$n messages in ${window} s, eden grew $((e1 - e0)) bytes: $(awk -v b=$((e1 - e0)) -v n=$n 'BEGIN { printf "%.1f", n ? b / n : 0 }') bytes per message"
fi
