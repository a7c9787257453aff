#!/usr/bin/env bash
# WebTorrent (ws) rate per tracker CPU-second: trackerd against the npm bittorrent-tracker, and a
# trivial echo server as the kernel floor, one after another in the same run (issue 12).
#   scripts/bench-ws-vs-bittorrent-tracker.sh [RUNS] [SECONDS] [LOAD_PROCESSES]
# Each target is pinned to core 0 (trackerd: WebSocket only, one socket worker, swarm inline;
# bittorrent-tracker 11 on node, as tracker-loadtest/src/test/node/reference-tracker.mjs serves
# it); LOAD_PROCESSES load-tester processes (default 1) share core 1, each with
# CONNECTIONS/LOAD_PROCESSES WebSocket clients (CONNECTIONS, default 64), saturation, 5 offers per
# announce, every relayed offer answered, WARMUP s of warm-up. The echo target is
# `tracker-loadtest.jar ws-echo` (a Netty WebSocket server that answers each text frame with a
# fixed announce reply and nothing else): what one frame in and one out cost the kernel and
# Netty, with no tracker work.
# Per target it prints: answers (announce + scrape replies) and WebSocket messages at the
# tracker (frames in: announces, scrapes, answers; out: replies, relayed offers and answers)
# per second and per tracker CPU-second, the share of that CPU spent in the kernel, and system
# calls per message (perf stat over the middle of the measured window; needs perf, else "-").
# Env: WARMUP (seconds of load before the window, default 5), CONNECTIONS, TARGETS (default
# "bittorrent-tracker trackerd echo"; "trackerd-base" runs the daemon jar BASE_JAR the same way,
# to compare two builds), PORT (26990).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-1}
seconds=${2:-10}
procs=${3:-1}
connections=${CONNECTIONS:-64}
targets=${TARGETS:-bittorrent-tracker trackerd echo}
port=${PORT:-26990}
warmup=${WARMUP:-5}
per=$(( (connections + procs - 1) / procs ))
jar=tracker-loadtest/target/tracker-loadtest.jar
work=$(mktemp -d)
[ -f tracker-server/target/tracker.jar ] || mvn -B -q -DskipTests package -pl tracker-server -am
[ -f "$jar" ] || mvn -B -q -DskipTests package -pl tracker-loadtest -am
case " $targets " in *" bittorrent-tracker "*) scripts/install-bittorrent-tracker >/dev/null ;; esac
have_perf=$(command -v perf >/dev/null && perf stat -e raw_syscalls:sys_enter true >/dev/null 2>&1 && echo 1 || echo 0)
tracker=
cleanup() { [ -n "$tracker" ] && kill "$tracker" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

cpu_ticks() { awk '{ print $14, $15 }' "/proc/$1/stat"; } # utime stime, in 1/100 s

start_target() { # NAME: starts it on core 0, sets tracker and url
  local name=$1 p=$((port++))
  case $name in
    bittorrent-tracker)
      taskset -c 0 node tracker-loadtest/src/test/node/reference-tracker.mjs </dev/null >"$work/t.log" 2>&1 &
      tracker=$!
      for _ in $(seq 300); do grep -qs '"http"' "$work/t.log" && break; sleep 0.1; done # node starts slowly on a busy machine
      p=$(sed -n 's/.*"http":\([0-9]*\).*/\1/p' "$work/t.log") ;;
    trackerd|trackerd-base)
      local jar_=tracker-server/target/tracker.jar
      [ "$name" = trackerd-base ] && jar_=$BASE_JAR
      taskset -c 0 java -Xms1g -Xmx1g -jar "$jar_" \
        --set "ws.listen=[\"127.0.0.1:$p\"]" --set udp.enabled=false --set http.enabled=false \
        --set 'metrics.listen="127.0.0.1:0"' --set workers.socket_workers=1 --set workers.swarm_workers=0 \
        --set limits.new_torrents_per_address_burst=0 >"$work/t.log" 2>&1 &
      tracker=$! ;;
    echo)
      taskset -c 0 java -Xms256m -Xmx256m -jar "$jar" ws-echo --listen "127.0.0.1:$p" --duration $((warmup + seconds + 300)) \
        >"$work/t.log" 2>&1 &
      tracker=$! ;;
  esac
  for _ in $(seq 300); do (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && break; sleep 0.1; done
  url="ws://127.0.0.1:$p"
}

printf '%-19s %4s %10s %10s %9s %12s %13s %7s %9s %s\n' target run answers/s msgs/s cpu-s answers/cpu-s msgs/cpu-s kernel sys/msg errors
for run in $(seq "$runs"); do
  for name in $targets; do
    start_target "$name"
    lpids=()
    rm -f "$work"/load-*.json "$work"/progress-*.txt
    for i in $(seq "$procs"); do
      extra=()
      [ "$name" = echo ] && extra=(--set ws.offers_per_announce=0 --set workload.scrape_weight=0 --set workload.stopped_percent=0)
      taskset -c 1 java -jar "$jar" ws --target "$url" --connections "$per" --duration "$seconds" \
        --set run.connect_seconds=60 --set run.warmup_seconds=$warmup --set run.tracker_pid=$tracker --set workload.seed=$((run * 100 + i)) \
        --json "$work/load-$i.json" "${extra[@]}" >"$work/load-$i.txt" 2>"$work/progress-$i.txt" &
      lpids+=($!)
    done
    # the middle of the measured window: from its 2nd second, for SECONDS - 3 seconds
    for _ in $(seq 600); do grep -q '^\[  2s\]' "$work/progress-1.txt" 2>/dev/null && break; sleep 0.1; done
    window=$(( seconds - 3 ))
    read -r u0 s0 < <(cpu_ticks "$tracker")
    if [ "$have_perf" = 1 ]; then
      perf stat -x, -e raw_syscalls:sys_enter -p "$tracker" -- sleep "$window" 2>"$work/perf.txt" >/dev/null || true
    else
      sleep "$window"
    fi
    read -r u1 s1 < <(cpu_ticks "$tracker")
    for p in "${lpids[@]}"; do wait "$p" || true; done
    kill "$tracker" 2>/dev/null || true; wait "$tracker" 2>/dev/null || true; tracker=
    python3 - "$name" "$run" "$window" "$((u1 - u0))" "$((s1 - s0))" "$work" "$procs" <<'EOF'
import json, sys, os
name, run, window, du, ds, work, procs = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), sys.argv[6], int(sys.argv[7])
answers = msgs = cpu = 0.0
errors = 0
for i in range(1, procs + 1):
    j = json.load(open(os.path.join(work, f"load-{i}.json")))
    req, resp, rel = j["requests_per_second"]["total"], j["responses_per_second"]["total"], j["relayed_per_second"]
    answers += resp
    msgs += req + resp + rel["offers_received"] + rel["answers_sent"] + rel["answers_received"]
    cpu = max(cpu, j.get("tracker_cpu_seconds", 0.0))  # every process reads the same tracker over ~ the same window
    errors += j["error_replies"] + j["invalid_replies"] + j["timeouts"]
secs = j["seconds"]
sys_per_msg = "-"
try:
    for line in open(os.path.join(work, "perf.txt")):
        f = line.strip().split(",")
        if len(f) > 2 and "raw_syscalls:sys_enter" in f[2] and f[0].isdigit():
            sys_per_msg = "%.2f" % (int(f[0]) / (msgs * window))
except OSError:
    pass
kernel = "%.0f%%" % (100.0 * ds / (du + ds)) if du + ds > 0 else "-"
print("%-19s %4s %10.0f %10.0f %9.2f %12.0f %13.0f %7s %9s %d" % (name, run, answers, msgs, cpu,
      answers * secs / cpu if cpu else 0, msgs * secs / cpu if cpu else 0, kernel, sys_per_msg, errors))
EOF
  done
done
