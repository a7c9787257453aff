#!/usr/bin/env bash
# Runs opentracker (Debian package) and trackerd one after the other under the same UDP load and
# prints the table that goes into docs/benchmarks.md: medians of RUNS runs and their ratios.
#
#   scripts/bench-vs-opentracker.sh [RUNS=3] [SECONDS=10]
#
# trackerd runs twice per run: "trackerd" with one socket worker and one swarm worker thread,
# and "trackerd-inline" with the swarm answered on the socket worker itself
# (workers.swarm_workers = 0), the setting for a one-core tracker.
# Each tracker is pinned to core 0 and the load tester to core 1 (taskset). Per run and tracker:
#  1. warm-up: 5 s of load (the JVM compiles the hot path; opentracker gets the same)
#  2. saturation: SECONDS of load as fast as the windows allow -> answered/s, timeouts, and
#     answers per tracker CPU-second (the load tester reads the tracker's utime+stime from
#     /proc/PID/stat at the start and end of its measured window: run.tracker_pid)
#  3. half rate: SECONDS at half of that tracker's saturation rate -> p99 latency, after a 15 s
#     warm-up at that rate (the JVM recompiles its event loop for the sleeping pattern of a
#     half-loaded core; with 5 s that recompilation fell into the measured window)
# Last in each run, "floor": the load tester's trivial responder (no state, no Java of ours on the
# request path beyond a decode and a copy) at trackerd-inline's half rate: the p99 that this
# machine and load tester show with nothing to do, against which the trackers' p99 reads.
# Both trackers serve only the workload's info hashes (opentracker is a whitelist build; trackerd
# gets the same list as its allow list). Needs root or sudo for apt only if opentracker is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
seconds=${2:-10}
command -v opentracker >/dev/null || { apt-get update -qq && apt-get install -y -qq opentracker >/dev/null; }
[ -f tracker-server/target/tracker.jar ] && [ -f tracker-loadtest/target/tracker-loadtest.jar ] \
  || mvn -B -q -DskipTests package -pl tracker-server,tracker-loadtest -am
work=$(mktemp -d /tmp/bench-ot.XXXXXX)
chmod 755 "$work"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
loadtest() { taskset -c 1 java -jar tracker-loadtest/target/tracker-loadtest.jar "$@"; }
loadtest --print-info-hashes > "$work/whitelist.txt"
chmod 644 "$work/whitelist.txt"
# drops must not stall a load window for long, or a tracker that drops looks slower than it is
common=(--set run.progress=false --set udp.timeout_ms=100 --set run.drain_seconds=1)

start_tracker() { # name port -> sets pid
  case $1 in
    opentracker)
      # opentracker chroots into -d and reads the whitelist relative to it
      taskset -c 0 opentracker -i 127.0.0.1 -P "$2" -p "$2" -w whitelist.txt -d "$work" >"$work/$1.log" 2>&1 &
      pid=$! ;;
    floor)
      taskset -c 0 java -jar tracker-loadtest/target/tracker-loadtest.jar udp-responder --listen "127.0.0.1:$2" \
        --duration 600 >"$work/$1.log" 2>&1 &
      pid=$! ;;
    trackerd*)
      swarm_workers=1
      [ "$1" = trackerd-inline ] && swarm_workers=0
      taskset -c 0 java -Xms1g -Xmx1g -jar tracker-server/target/tracker.jar \
        --set "udp.listen=[\"127.0.0.1:$2\"]" --set http.enabled=false --set ws.enabled=false \
        --set metrics.enabled=false --set workers.socket_workers=1 --set workers.swarm_workers=$swarm_workers \
        --set limits.new_torrents_per_address_burst=0 \
        --set 'access_list.mode="allow"' --set "access_list.path=\"$work/whitelist.txt\"" >"$work/$1.log" 2>&1 &
      pid=$! ;;
  esac
  sleep 2
}

port=28000
results="$work/results.tsv"
for run in $(seq "$runs"); do
  for name in opentracker trackerd trackerd-inline floor; do
    port=$((port + 1))
    start_tracker $name $port
    loadtest udp --target 127.0.0.1:$port --duration 5 "${common[@]}" >/dev/null # the tracker's warm-up
    loadtest udp --target 127.0.0.1:$port --duration "$seconds" "${common[@]}" --set run.tracker_pid=$pid \
      --json "$work/sat.json" >/dev/null
    if [ $name != floor ]; then
      rate=$(python3 -c "import json;print(int(json.load(open('$work/sat.json'))['responses_per_second']['total']/2))")
    fi # the floor runs at trackerd-inline's half rate
    loadtest udp --target 127.0.0.1:$port --duration "$seconds" --rate "$rate" "${common[@]}" \
      --set run.warmup_seconds=15 --json "$work/half.json" >/dev/null
    kill $pid; wait $pid 2>/dev/null || true
    python3 - "$name" "$run" "$work/sat.json" "$work/half.json" >>"$results" <<'PY'
import json, sys
name, run, sat, half = sys.argv[1:]
s, h = json.load(open(sat)), json.load(open(half))
print("\t".join(map(str, [name, run, round(s["responses_per_second"]["total"]), s["timeouts"],
      round(s.get("answers_per_tracker_cpu_second", 0)), s.get("tracker_cpu_seconds", 0), h["latency_ms"]["p99"],
      h["timeouts"], s["invalid_replies"] + h["invalid_replies"]])))
PY
    tail -1 "$results" >&2
  done
done
python3 - "$results" <<'PY'
import statistics, sys
rows = [line.split("\t") for line in open(sys.argv[1]).read().split("\n") if line]
med = {}
for name in sorted({r[0] for r in rows}):
    mine = [r for r in rows if r[0] == name]
    med[name] = {k: statistics.median(float(r[i]) for r in mine)
                 for k, i in (("rps", 2), ("timeouts", 3), ("per_cpu", 4), ("cpu", 5), ("p99", 6), ("half_timeouts", 7), ("invalid", 8))}
o = med["opentracker"]
names = [n for n in ("trackerd", "trackerd-inline") if n in med]
floor = med.pop("floor", None)
def row(label, key, fmt, ratio):
    cells = [fmt % med[n][key] for n in names]
    ratios = ["%.2f" % (med[n][key] / o[key]) if ratio else "" for n in names]
    print("| %s | %s | %s | %s |" % (label, fmt % o[key], " | ".join(cells), " | ".join(ratios)))
print("| median of %d runs | opentracker | %s | %s |" % (len([r for r in rows if r[0] == "opentracker"]),
      " | ".join(names), " | ".join(n + " / opentracker" for n in names)))
print("|" + " --- |" * (2 + 2 * len(names)))
row("answered requests/s at saturation", "rps", "%.0f", True)
row("timeouts at saturation", "timeouts", "%.0f", False)
row("answers per tracker CPU-second", "per_cpu", "%.0f", True)
row("p99 latency at half its saturation rate (ms)", "p99", "%.3f", False)
row("timeouts at half rate", "half_timeouts", "%.0f", False)
row("invalid replies", "invalid", "%.0f", False)
print()
if floor:
    print("floor (the load tester's trivial responder at trackerd-inline's half rate): p99 %.3f ms, median of %d runs"
          % (floor["p99"], len([r for r in rows if r[0] == "floor"])))
    print()
print("per run (name, run, answered/s, timeouts, answers/CPU-s, CPU-s, p99 ms at half rate, timeouts at half rate, invalid):")
for r in rows: print("  " + "  ".join(r))
PY
