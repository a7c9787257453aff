#!/usr/bin/env bash
# HTTP(S) benchmark of trackerd against opentracker (Debian package) on this machine, issue 11:
# prints the table that goes into docs/benchmarks.md ("HTTP"): medians of RUNS runs.
#
#   scripts/bench-http-vs-opentracker.sh [RUNS=3] [SECONDS=10]
#
# The tracker under test is pinned to core 0 and the load to core 1 (taskset). Two load tools:
#  - wrk (Debian), one thread, 64 connections, with a Lua script that walks 20,000 announce URLs
#    (the load tester's 10,000 info hashes, distinct peer ids and ports, a third seeders), so the
#    requests hit many torrents; "close" mode sends "Connection: close" (a new TCP connection, and
#    for HTTPS a full TLS handshake, per request);
#  - the project's load tester (tracker-loadtest.jar http, what scripts/run-load-test-http.sh runs):
#    its Zipf workload, 90 % announces and 10 % scrapes, every reply checked; http.keep_alive
#    true or false.
# Figure of merit: requests answered per tracker CPU-second = answered requests in the measured
# window / (utime+stime of the tracker process over that window, from /proc/PID/stat). The load
# tester reads the tracker's CPU itself (run.tracker_pid); for wrk this script reads it around the
# run. Both trackers serve only the workload's info hashes (opentracker is a whitelist build;
# trackerd gets the same list as its allow list). opentracker is IPv4-only and closes every
# connection after its answer, so its "keep-alive" rows are new connections too, and it has no
# TLS. trackerd runs with one socket worker and the swarm answered inline on it
# (workers.swarm_workers = 0, the setting for a one-core tracker; TRACKERD_SWARM_WORKERS to change;
# TRACKERD_JAVA_OPTS adds JVM flags)
# and limits.new_torrents_per_address_burst = 0 (one load host makes thousands of torrents).
# Every tracker gets WARMUP (default 10) s of keep-alive and as much new-connection warm-up load
# first (the JVM compiles the hot paths; opentracker gets the same). HTTPS=0 leaves out the HTTPS
# rows. FLOOR=1 adds two servers to every run, measured with keep-alive only (wrk and the load
# tester), each a fixed reply to each request and nothing else: `tracker-loadtest.jar http-echo`
# (the floor under any Netty HTTP tracker) and scripts/http-echo-floor.c built with cc (the floor
# under any tracker on this kernel: epoll, recv, send); their load tester figure counts every reply
# (the fixed announce reply fails the load tester's check of a scrape answer). Needs root or sudo
# for apt only if opentracker, wrk or (FLOOR=1) a C compiler is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
seconds=${2:-10}
swarm_workers=${TRACKERD_SWARM_WORKERS:-0}
warmup=${WARMUP:-10}
command -v opentracker >/dev/null || { apt-get update -qq && apt-get install -y -qq opentracker >/dev/null; }
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
[ -z "${FLOOR:-}" ] || command -v cc >/dev/null || { apt-get update -qq && apt-get install -y -qq gcc >/dev/null; }
[ -f tracker-server/target/tracker.jar ] && [ -f tracker-loadtest/target/tracker-loadtest.jar ] \
  || mvn -B -q -DskipTests package -pl tracker-server,tracker-loadtest -am
work=$(mktemp -d /tmp/bench-http.XXXXXX)
chmod 755 "$work" # opentracker drops to nobody after its chroot into $work
[ -z "${FLOOR:-}" ] || cc -O2 -o "$work/http-echo-floor" scripts/http-echo-floor.c
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
loadtest() { taskset -c 1 java -jar tracker-loadtest/target/tracker-loadtest.jar "$@"; }
loadtest --print-info-hashes > "$work/whitelist.txt"
chmod 644 "$work/whitelist.txt"
ticks_per_second=$(getconf CLK_TCK)

# wrk's URL list: announces over the whitelisted hashes, percent-encoded raw bytes
python3 - "$work/whitelist.txt" >"$work/urls.txt" <<'PY'
import sys
hashes = [bytes.fromhex(line.strip()) for line in open(sys.argv[1]) if line.strip()]
for i in range(20000):
    info_hash = "".join("%%%02X" % b for b in hashes[i % len(hashes)])
    left = 0 if i % 3 == 0 else 1000
    print("/announce?info_hash=%s&peer_id=-WK0001-%012d&port=%d&uploaded=0&downloaded=0&left=%d&compact=1&numwant=50"
          % (info_hash, i, 10000 + i % 50000, left))
PY
cat >"$work/walk.lua" <<'LUA'
-- each wrk thread walks the URL list from its own offset; done() prints one parsable line.
-- The requests are formatted once, here: wrk.format per request (Lua string building) made wrk's
-- one thread the limit of the keep-alive rows, with the tracker partly idle.
local requests = {}
local i = 0
function init(args)
  for line in io.lines(args[1]) do requests[#requests + 1] = wrk.format("GET", line) end
  i = math.random(#requests)
end
function request()
  i = i % #requests + 1
  return requests[i]
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("WRK requests=%d non2xx=%d socket_errors=%d duration_us=%d p99_us=%d\n",
    summary.requests, e.status, e.connect + e.read + e.write + e.timeout, summary.duration,
    latency:percentile(99)))
end
LUA
# a self-signed ECDSA P-256 certificate for trackerd's HTTPS (wrk and the load tester do not verify it)
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/key.pem" \
  -out "$work/cert.pem" -days 2 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 2>/dev/null

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; } # utime + stime (comm has no spaces: java, opentracker)

await_port() {
  for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done
  echo "nothing listens on 127.0.0.1:$1; log:" >&2; cat "$work/$name.log" >&2; exit 1
}

start_tracker() { # name port tls_port -> sets pid
  case $1 in
    opentracker)
      taskset -c 0 opentracker -i 127.0.0.1 -p "$2" -P "$2" -w whitelist.txt -d "$work" >"$work/$1.log" 2>&1 &
      pid=$! ;;
    trackerd)
      taskset -c 0 java -Xms1g -Xmx1g ${TRACKERD_JAVA_OPTS:-} -jar tracker-server/target/tracker.jar \
        --set "http.listen=[\"127.0.0.1:$2\"]" --set "http.tls.listen=[\"127.0.0.1:$3\"]" \
        --set "http.tls.cert_path=\"$work/cert.pem\"" --set "http.tls.key_path=\"$work/key.pem\"" \
        --set udp.enabled=false --set ws.enabled=false --set metrics.enabled=false \
        --set workers.socket_workers=1 --set workers.swarm_workers=$swarm_workers \
        --set limits.new_torrents_per_address_burst=0 \
        --set 'access_list.mode="allow"' --set "access_list.path=\"$work/whitelist.txt\"" >"$work/$1.log" 2>&1 &
      pid=$!
      await_port "$3" ;;
    http-echo)
      taskset -c 0 java -jar tracker-loadtest/target/tracker-loadtest.jar http-echo --listen "127.0.0.1:$2" \
        --duration 3600 >"$work/$1.log" 2>&1 &
      pid=$! ;;
    c-echo)
      taskset -c 0 "$work/http-echo-floor" "$2" >"$work/$1.log" 2>&1 &
      pid=$! ;;
  esac
  await_port "$2"
  # one real announce: a bencoded answer, not a failure (e.g. a hash missing from the whitelist)
  body=$(curl -s "http://127.0.0.1:$2$(head -1 "$work/urls.txt")" | tr -d '\0' | head -c 200)
  case $body in d8:complete*) ;; *) echo "$1 answered: $body" >&2; exit 1 ;; esac
}

# tool mode scheme port -> appends "tracker tool mode answered/s cpu_s answered/cpu_s wrong other" to results
measure() {
  local tool=$1 mode=$2 scheme=$3 port=$4 out="$work/out.txt"
  if [ "$tool" = wrk ]; then
    local header=()
    [ "$mode" = close ] && header=(-H "Connection: close")
    local before; before=$(ticks "$pid")
    taskset -c 1 wrk -t1 -c64 -d"${seconds}s" "${header[@]}" -s "$work/walk.lua" "$scheme://127.0.0.1:$port" \
      -- "$work/urls.txt" >"$out" 2>&1
    local after; after=$(ticks "$pid")
    python3 - "$name" "$tool" "$mode-$scheme" "$out" "$before" "$after" "$ticks_per_second" >>"$results" <<'PY'
import re, sys
name, tool, mode, out, before, after, hz = sys.argv[1:]
line = [l for l in open(out) if l.startswith("WRK ")][0]
f = {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", line)}
answered = f["requests"] - f["non2xx"]
cpu = (int(after) - int(before)) / int(hz)
print("\t".join(map(str, [name, tool, mode, round(answered / (f["duration_us"] / 1e6)), round(cpu, 2),
      round(answered / cpu) if cpu else 0, f["non2xx"], f["socket_errors"]])))
PY
  else
    local keep=true
    [ "$mode" = close ] && keep=false
    loadtest http --target "$scheme://127.0.0.1:$port/announce" --duration "$seconds" --set run.progress=false \
      --set run.drain_seconds=1 --set http.keep_alive=$keep --set run.tracker_pid="$pid" --json "$out" >/dev/null
    python3 - "$name" "$tool" "$mode-$scheme" "$out" >>"$results" <<'PY'
import json, sys
name, tool, mode, out = sys.argv[1:]
r = json.load(open(out))
answered, cpu, wrong = r["responses_per_second"]["total"], r.get("tracker_cpu_seconds", 0), r["error_replies"] + r["invalid_replies"]
if name in ("http-echo", "c-echo"):
    # a floor's fixed announce reply is "invalid" as an answer to a scrape; it is still a reply it paid for
    answered += wrong / r["seconds"]
    wrong = 0
print("\t".join(map(str, [name, tool, mode, round(answered), round(cpu, 2),
      round(answered * r["seconds"] / cpu) if cpu else 0, wrong, r["timeouts"]])))
PY
  fi
  tail -1 "$results" >&2
}

port=29000
results="$work/results.tsv"
for run in $(seq "$runs"); do
  for name in opentracker trackerd ${FLOOR:+http-echo c-echo}; do
    port=$((port + 2))
    start_tracker $name $port $((port + 1))
    if [ $name = http-echo ] || [ $name = c-echo ]; then # keep-alive only: they never close, their reply is fixed
      taskset -c 1 wrk -t1 -c64 -d"${warmup}s" -s "$work/walk.lua" "http://127.0.0.1:$port" -- "$work/urls.txt" >/dev/null 2>&1
      measure wrk keepalive http $port
      measure loadtest keepalive http $port
      kill $pid; wait $pid 2>/dev/null || true
      continue
    fi
    # warm-up, not counted: keep-alive and new connections (the JVM compiles each path; trackerd's
    # new connections take another path than its keep-alive requests)
    taskset -c 1 wrk -t1 -c64 -d"${warmup}s" -s "$work/walk.lua" "http://127.0.0.1:$port" -- "$work/urls.txt" >/dev/null 2>&1
    taskset -c 1 wrk -t1 -c64 -d"${warmup}s" -H "Connection: close" -s "$work/walk.lua" "http://127.0.0.1:$port" \
      -- "$work/urls.txt" >/dev/null 2>&1
    for tool in wrk loadtest; do
      for mode in keepalive close; do
        measure $tool $mode http $port
      done
    done
    if [ $name = trackerd ] && [ "${HTTPS:-1}" = 1 ]; then
      for tool in wrk loadtest; do
        for mode in keepalive close; do
          measure $tool $mode https $((port + 1))
        done
      done
    fi
    kill $pid; wait $pid 2>/dev/null || true
  done
done

python3 - "$results" "$runs" "$seconds" <<'PY'
import statistics, sys
rows = [line.split("\t") for line in open(sys.argv[1]).read().split("\n") if line]
runs, seconds = sys.argv[2], sys.argv[3]
med = {}
for key in {tuple(r[:3]) for r in rows}:
    mine = [r for r in rows if tuple(r[:3]) == key]
    med[key] = [statistics.median(float(r[i]) for r in mine) for i in (3, 4, 5, 6, 7)]
labels = {"keepalive-http": "HTTP, keep-alive", "close-http": "HTTP, new connection per request",
          "keepalive-https": "HTTPS, keep-alive", "close-https": "HTTPS, new connection + handshake per request"}
targets = {"keepalive-http": 3.0, "close-http": 1.0}
print("medians of %s runs of %s s; answered/s and answered per tracker CPU-second (utime+stime)" % (runs, seconds))
print()
print("| load | tool | opentracker answered/s | opentracker per CPU-s | trackerd answered/s | trackerd per CPU-s "
      "| trackerd / opentracker per CPU-s | target | wrong answers (ot / td) |")
print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
for mode in ("keepalive-http", "close-http", "keepalive-https", "close-https"):
    for tool in ("wrk", "loadtest"):
        td = med.get(("trackerd", tool, mode))
        # opentracker closes every connection: its keep-alive figure is its only figure
        ot = med.get(("opentracker", tool, mode if mode.endswith("-http") else None))
        if td is None:
            continue
        ratio = "%.2f" % (td[2] / ot[2]) if ot and ot[2] else ""
        target = ">= %.0fx" % targets[mode] if mode in targets else ""
        print("| %s | %s | %s | %s | %.0f | %.0f | %s | %s | %s / %.0f |" % (
            labels[mode], tool, "%.0f" % ot[0] if ot else "-", "%.0f" % ot[2] if ot else "-",
            td[0], td[2], ratio, target, "%.0f" % ot[3] if ot else "-", td[3]))
for tool in ("wrk", "loadtest"):
    ot = med.get(("opentracker", tool, "keepalive-http"))
    td = med.get(("trackerd", tool, "keepalive-http"))
    for name, what in (("http-echo", "a Netty server"), ("c-echo", "scripts/http-echo-floor.c, epoll in C")):
        floor = med.get((name, tool, "keepalive-http"))
        if floor:
            print()
            print("Floor (FLOOR=1), %s: %s, %s answering each keep-alive request with a fixed reply, "
                  "%.0f replies/s, %.0f per CPU-s (%.2f s of CPU a second) = %.2fx opentracker; trackerd is at %.2f of it." % (
                  tool, name, what, floor[0], floor[2], floor[0] / floor[2] if floor[2] else 0,
                  floor[2] / ot[2] if ot and ot[2] else 0, td[2] / floor[2] if td and floor[2] else 0))
print()
print("wrong answers: wrk's non-2xx, the load tester's error and invalid replies. Socket errors (wrk: a")
print("connection closed by the tracker after its answer, as opentracker does every time) and the load")
print("tester's timeouts are the last column of each run below.")
print()
print("per run (tracker, tool, mode, answered/s, tracker CPU-s, answered per CPU-s, wrong answers, socket errors or timeouts):")
for r in rows:
    print("  " + "  ".join(r))
PY
