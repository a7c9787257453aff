#!/usr/bin/env bash
# Idle scale of the WebTorrent front end (issue 12): holds CONNECTIONS open WebSocket connections
# (default 18,000), each announcing on a torrent now and then (offers off, no stopped events),
# and measures the tracker's live heap (after a full GC, with a class histogram) and RSS before
# and with the connections open. Prints bytes per connection and the heap 100,000 and 1,000,000
# connections would need at that rate.
#   scripts/bench-ws-idle.sh [CONNECTIONS] [PROCESSES]
# The hard open-files limit here is 20,000 per process, so the load is spread over PROCESSES
# load-tester processes (default 2, 9,000 connections each), started one after another, each
# given run.connect_seconds=240 to open its connections (a busy machine needs more than the
# default 10 s for thousands of handshakes). Not pinned to a core: each load-tester process
# polls without sleeping, and four of them on one core of the busy 2-core machine starved each
# other until requests timed out. They run until the heap is read, then this script stops them;
# their progress lines give the errors and timeouts they saw until then. Each connection
# announces about every ANNOUNCE_SECONDS (default 20) on one of 100,000 torrents by popularity.
# Env: HOLD_SECONDS (default 30: after the last process is connected, before the reading),
# PORT (26975; the metrics at PORT+1), HISTOGRAM=FILE (the class histogram with the connections),
# LOGS=DIR (keep the tracker's log and the load testers' reports there).
# Needs a JDK (jcmd) and curl. Loopback only; every wait is bounded, every process stopped at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
connections=${1:-18000}
processes=${2:-2}
hold=${HOLD_SECONDS:-30}
every=${ANNOUNCE_SECONDS:-20}
port=${PORT:-26975}
metrics=$((port + 1))
per=$(( (connections + processes - 1) / processes ))
launch=240 # at most this long per process to open its connections
work=$(mktemp -d)
[ -f tracker-server/target/tracker.jar ] || mvn -B -q -DskipTests package -pl tracker-server -am
[ -f tracker-loadtest/target/tracker-loadtest.jar ] || mvn -B -q -DskipTests package -pl tracker-loadtest -am
java -Xms2g -Xmx2g -jar tracker-server/target/tracker.jar \
  --set "ws.listen=[\"127.0.0.1:$port\"]" --set udp.enabled=false --set http.enabled=false \
  --set "metrics.listen=\"127.0.0.1:$metrics\"" --set workers.socket_workers=2 --set workers.swarm_workers=1 \
  --set ws.max_connections=$((connections + 100)) --set limits.new_torrents_per_address_burst=0 \
  >"$work/tracker.log" 2>&1 &
tracker=$!
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  kill $tracker 2>/dev/null || true
  if [ -n "${LOGS:-}" ]; then mkdir -p "$LOGS" && cp "$work"/* "$LOGS"/; fi
  rm -rf "$work"
}
trap cleanup EXIT
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done

live_heap() { # bytes used after a full GC
  jcmd $tracker GC.run >/dev/null
  jcmd $tracker GC.heap_info | awk '/used/ { for (i = 1; i <= NF; i++) if ($i == "used") { v = $(i+1); sub(/K,?$/, "", v); print v * 1024; exit } }'
}
rss() { awk '/VmRSS/ { print $2 * 1024 }' /proc/$tracker/status; }
open_files() { ls /proc/$tracker/fd | wc -l; }
metric() { # NAME LABEL-TEXT: the sum of that metric's lines that carry LABEL-TEXT
  curl -s "http://127.0.0.1:$metrics/metrics" | awk -v m="$1{" -v l="$2" 'index($0, m) == 1 && index($0, l) { s += $NF } END { printf "%d\n", s }'
}

heap0=$(live_heap); rss0=$(rss); fd0=$(open_files)
[ -n "${HISTOGRAM:-}" ] && jcmd $tracker GC.class_histogram >"$HISTOGRAM.before"
echo "before: live heap $heap0 B, RSS $rss0 B, open files $fd0"
rate=$(( per / every + 1 ))
start=$(date +%s)
for i in $(seq "$processes"); do
  want=$(( fd0 + i * per ))
  # runs until this script has read the heap and stops it (at most an hour); its progress lines
  # (cumulative errors and timeouts, once a second) are what this script reports
  java -Xmx512m -jar tracker-loadtest/target/tracker-loadtest.jar ws --target "ws://127.0.0.1:$port" \
    --connections "$per" --rate "$rate" --duration 3600 --set run.warmup_seconds=0 --set run.progress=true \
    --set run.connect_seconds=$launch \
    --set ws.offers_per_announce=0 --set workload.stopped_percent=0 --set workload.scrape_weight=0 \
    --set workload.torrents=100000 --set ws.timeout_ms=30000 --set workload.seed=$i \
    >"$work/load-$i.txt" 2>"$work/progress-$i.txt" &
  pids+=($!)
  for _ in $(seq $launch); do [ "$(open_files)" -ge "$want" ] && break; sleep 1; done # its connections are open
  echo "load tester $i: $(( $(open_files) - fd0 )) connections open after $(( $(date +%s) - start )) s"
done
sleep $(( every + hold )) # every connection has announced at least once by now
n=$(metric tracker_connections 'protocol="ws"')
peers=$(metric tracker_peers 'webtorrent')
heap1=$(live_heap); rss1=$(rss)
curl -s "http://127.0.0.1:$metrics/metrics" | awk '/^tracker_errors_total[{]/ && /protocol="ws"/ && $NF > 0 { print "  " $0 }' >"$work/errors-open.txt"
[ -n "${HISTOGRAM:-}" ] && jcmd $tracker GC.class_histogram >"$HISTOGRAM"
echo "with $n connections open ($(( $(open_files) - fd0 )) sockets, $peers peers): live heap $heap1 B, RSS $rss1 B"
per_heap=$(( (heap1 - heap0) / n )); per_rss=$(( (rss1 - rss0) / n ))
echo "per connection: heap $per_heap B, RSS $per_rss B"
echo "heap for 100,000 connections: $(( (heap0 + per_heap * 100000) >> 20 )) MiB; for 1,000,000: $(( (heap0 + per_heap * 1000000) >> 20 )) MiB"
for i in $(seq "$processes"); do
  echo "load $i: $(grep -c . "$work/progress-$i.txt") s of load, last: $(tail -1 "$work/progress-$i.txt")"
  grep -v '^\[' "$work/progress-$i.txt" | head -3 | sed "s/^/load $i: /" || true
done
for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
pids=()
echo "tracker errors (ws), by reason, with the connections open and after the load testers closed them:"
cat "$work/errors-open.txt"; echo "  --"
curl -s "http://127.0.0.1:$metrics/metrics" | awk '/^tracker_errors_total[{]/ && /protocol="ws"/ && $NF > 0 { print "  " $0 }'
grep -E "WARN|ERROR" "$work/tracker.log" | head -5 || true
