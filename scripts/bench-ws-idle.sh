#!/usr/bin/env bash
# Idle scale of the WebTorrent front end (issue 12): holds CONNECTIONS open WebSocket connections
# (default 18,000: the hard open-files limit here is 20,000 per process, so the load tester is
# spread over PROCESSES processes, started one after another: the load tester gives its
# connections 10 s to open), each announcing on a torrent now and then (offers off, no
# stopped events), and measures the tracker's live heap (after a full GC) and RSS before and
# with the connections open. Prints bytes per connection and the heap 100,000 and 1,000,000
# connections would need at that rate.
#   scripts/bench-ws-idle.sh [CONNECTIONS] [PROCESSES]
# Needs a JDK (jcmd). Loopback only; every process ends within HOLD_SECONDS + 60 s.
set -euo pipefail
cd "$(dirname "$0")/.."
connections=${1:-18000}
processes=${2:-10}
hold=${HOLD_SECONDS:-40}
port=${PORT:-26975}
per=$(( (connections + processes - 1) / processes ))
work=$(mktemp -d)
[ -f tracker-server/target/tracker.jar ] || mvn -B -q -DskipTests package -pl tracker-server -am
[ -f tracker-loadtest/target/tracker-loadtest.jar ] || mvn -B -q -DskipTests package -pl tracker-loadtest -am
java -Xms2g -Xmx2g -jar tracker-server/target/tracker.jar \
  --set "ws.listen=[\"127.0.0.1:$port\"]" --set udp.enabled=false --set http.enabled=false \
  --set 'metrics.listen="127.0.0.1:0"' --set workers.socket_workers=2 --set workers.swarm_workers=1 \
  --set ws.max_connections=$((connections + 100)) --set limits.new_torrents_per_address_burst=0 \
  >"$work/tracker.log" 2>&1 &
tracker=$!
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; kill $tracker 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done

live_heap() { # bytes used after a full GC
  jcmd $tracker GC.run >/dev/null
  jcmd $tracker GC.heap_info | awk '/used/ { for (i = 1; i <= NF; i++) if ($i == "used") { v = $(i+1); sub(/K,?$/, "", v); print v * 1024; exit } }'
}
rss() { awk '/VmRSS/ { print $2 * 1024 }' /proc/$tracker/status; }
open_ws() { ls /proc/$tracker/fd | wc -l; }

heap0=$(live_heap); rss0=$(rss); fd0=$(open_ws)
echo "before: live heap $heap0 B, RSS $rss0 B, open files $fd0"
# each connection announces about every 45 s (rate = connections / 45 per second in all)
rate=$(( per / 45 + 1 ))
duration=$(( processes * 15 + hold ))
for i in $(seq "$processes"); do
  want=$(( fd0 + i * per ))
  java -Xmx256m -jar tracker-loadtest/target/tracker-loadtest.jar ws --target "ws://127.0.0.1:$port" \
    --connections "$per" --rate "$rate" --duration "$duration" --set run.warmup_seconds=5 --set run.progress=false \
    --set ws.offers_per_announce=0 --set workload.stopped_percent=0 --set workload.scrape_weight=0 \
    --set workload.torrents=100000 --set ws.timeout_ms=30000 --set workload.seed=$i >"$work/load-$i.txt" 2>&1 &
  pids+=($!)
  for _ in $(seq 30); do [ "$(open_ws)" -ge "$want" ] && break; sleep 1; done # this one's connections are open
done
sleep $(( hold / 2 )) # every connection has announced at least once by now
n=$(( $(open_ws) - fd0 ))
heap1=$(live_heap); rss1=$(rss)
echo "with $n connections: live heap $heap1 B, RSS $rss1 B"
per_heap=$(( (heap1 - heap0) / n )); per_rss=$(( (rss1 - rss0) / n ))
echo "per connection: heap $per_heap B, RSS $per_rss B"
echo "heap for 100,000 connections: $(( heap0 + per_heap * 100000 >> 20 )) MiB; for 1,000,000: $(( heap0 + per_heap * 1000000 >> 20 )) MiB"
for p in "${pids[@]}"; do wait $p || true; done
for i in $(seq "$processes"); do grep -E "error replies|connections opened|failed" "$work/load-$i.txt" | sed "s/^/load $i: /"; done
grep -E "WARN|ERROR" "$work/tracker.log" | head -5 || true
