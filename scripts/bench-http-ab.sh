#!/usr/bin/env bash
# A/B of two tracker.jar builds on HTTP, alternately in the same session (issue 11, docs/benchmarks.md
# "HTTP connection path"): per round, for each jar, wrk with a new connection per request
# ("Connection: close") and with keep-alive, the tracker pinned to core 0 and wrk to core 1, as
# scripts/bench-http-vs-opentracker.sh does (same URL walk, allow list, one socket worker, swarm inline).
#
#   scripts/bench-http-ab.sh OLD.jar NEW.jar [ROUNDS=3] [SECONDS=8]
#   SYSCALLS=1 ...   also count syscalls per request (perf tracepoints; slows the tracker, so the CPU
#                    figures of such a run are not comparable with others)
#   ALLOC=1 ...      also bytes allocated per request (SerialGC, 64 MB young generation, jstat)
#   MODES=close ...  only some of the modes (close, keepalive)
#
# Prints one line per run: answered/s, tracker CPU-s (all threads), answered per CPU-second, and the
# socket worker thread's own user and system microseconds per request (JIT and GC threads excluded:
# on a shared machine the JIT of a tracker that gets little CPU can still be compiling after warm-up).
set -euo pipefail
cd "$(dirname "$0")/.."
a=$1 b=$2 rounds=${3:-3} seconds=${4:-8}
[ -f tracker-loadtest/target/tracker-loadtest.jar ] || mvn -B -q -DskipTests package -pl tracker-loadtest -am
work=$(mktemp -d /tmp/bench-http-ab.XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
java -jar tracker-loadtest/target/tracker-loadtest.jar --print-info-hashes > "$work/whitelist.txt"
python3 - "$work/whitelist.txt" >"$work/urls.txt" <<'PY'
import sys
hashes = [bytes.fromhex(line.strip()) for line in open(sys.argv[1]) if line.strip()]
for i in range(20000):
    info_hash = "".join("%%%02X" % b for b in hashes[i % len(hashes)])
    print("/announce?info_hash=%s&peer_id=-WK0001-%012d&port=%d&uploaded=0&downloaded=0&left=%d&compact=1&numwant=50"
          % (info_hash, i, 10000 + i % 50000, 0 if i % 3 == 0 else 1000))
PY
cat >"$work/walk.lua" <<'LUA'
local urls, i = {}, 0
function init(args) for line in io.lines(args[1]) do urls[#urls + 1] = line end i = math.random(#urls) end
function request() i = i % #urls + 1 return wrk.format("GET", urls[i]) end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("WRK requests=%d non2xx=%d socket_errors=%d duration_us=%d connect=%d read=%d write=%d timeout=%d\n",
    summary.requests, e.status, e.connect + e.read + e.write + e.timeout, summary.duration, e.connect, e.read, e.write,
    e.timeout))
end
LUA
hz=$(getconf CLK_TCK)
port=21000

run() { # jar mode
  local jar=$1 mode=$2 extra=() hdr=()
  port=$((port + 1))
  [ -n "${ALLOC:-}" ] && extra=(-XX:+UseSerialGC -Xmn64m)
  taskset -c 0 java -Xms1g -Xmx1g "${extra[@]}" -jar "$jar" --set "http.listen=[\"127.0.0.1:$port\"]" \
    --set udp.enabled=false --set ws.enabled=false --set metrics.enabled=false \
    --set workers.socket_workers=1 --set workers.swarm_workers=0 --set limits.new_torrents_per_address_burst=0 \
    --set 'access_list.mode="allow"' --set "access_list.path=\"$work/whitelist.txt\"" >"$work/tracker.log" 2>&1 &
  local pid=$!
  for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
  kill -0 $pid || { cat "$work/tracker.log" >&2; exit 1; }
  [ "$mode" = close ] && hdr=(-H "Connection: close")
  taskset -c 1 wrk -t1 -c64 -d10s "${hdr[@]}" -s "$work/walk.lua" "http://127.0.0.1:$port" -- "$work/urls.txt" >/dev/null 2>&1
  local task; task=$(grep -l socket-01 /proc/$pid/task/*/comm | head -1 | xargs dirname)
  [ -n "${ALLOC:-}" ] && jstat -gc $pid | tail -1 >"$work/gc.before"
  local before thread_before perf_pid=""
  before=$(awk '{print $14 + $15}' /proc/$pid/stat); thread_before=$(awk '{print $14, $15}' "$task/stat")
  if [ -n "${SYSCALLS:-}" ]; then
    # started first and stopped after wrk (attaching to every syscall tracepoint takes a while):
    # the count covers wrk's whole window plus idle time, which makes few syscalls
    perf stat -e 'syscalls:sys_enter_*' -p $pid -o "$work/perf.txt" -- sleep $((seconds + 4)) & perf_pid=$!
    sleep 2
  fi
  taskset -c 1 wrk -t1 -c64 -d"${seconds}s" "${hdr[@]}" -s "$work/walk.lua" "http://127.0.0.1:$port" -- "$work/urls.txt" >"$work/wrk.txt" 2>&1
  local after thread_after
  after=$(awk '{print $14 + $15}' /proc/$pid/stat); thread_after=$(awk '{print $14, $15}' "$task/stat")
  [ -n "${ALLOC:-}" ] && jstat -gc $pid | tail -1 >"$work/gc.after"
  [ -n "$perf_pid" ] && wait $perf_pid
  kill $pid; wait $pid 2>/dev/null || true
  # anything the tracker had to say besides the start-up's file-limit hint
  grep -E "WARN|ERROR" "$work/tracker.log" | grep -v "max_connections" | sed 's/^/    tracker: /' | head -5 || true
  python3 - "$jar" "$mode" "$work" "$before" "$after" "$thread_before" "$thread_after" "$hz" <<'PY'
import os, re, sys
jar, mode, work, before, after, tb, ta, hz = sys.argv[1:]
hz = int(hz)
f = {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", [l for l in open(work + "/wrk.txt") if l.startswith("WRK ")][0])}
n = f["requests"] - f["non2xx"]
cpu = (int(after) - int(before)) / hz
(u0, s0), (u1, s1) = map(int, tb.split()), map(int, ta.split())
print("%-28s %-9s answered/s %7.0f  cpu %5.2f s  per CPU-s %7.0f  socket thread %5.2f us user + %5.2f us sys per request  errors %d/%d (connect %d read %d write %d timeout %d)"
      % (os.path.basename(jar), mode, n / (f["duration_us"] / 1e6), cpu, n / cpu if cpu else 0,
         (u1 - u0) / hz / n * 1e6, (s1 - s0) / hz / n * 1e6, f["non2xx"], f["socket_errors"], f["connect"], f["read"],
         f["write"], f["timeout"]))
if os.path.exists(work + "/gc.after"):
    b, a = open(work + "/gc.before").read().split(), open(work + "/gc.after").read().split()
    kb = (int(a[12]) - int(b[12])) * float(a[4]) + float(a[5]) - float(b[5])
    print("    allocated %.0f bytes per request" % (kb * 1024 / n))
    os.remove(work + "/gc.after")
if os.path.exists(work + "/perf.txt"):
    counts = []
    for line in open(work + "/perf.txt"):
        m = re.match(r"\s*([\d,]+)\s+syscalls:sys_enter_(\w+)", line)
        if m and int(m.group(1).replace(",", "")):
            counts.append((int(m.group(1).replace(",", "")), m.group(2)))
    print("    syscalls per request: " + " ".join("%s %.2f" % (name, c / n) for c, name in sorted(counts, reverse=True)[:12]))
    os.remove(work + "/perf.txt")
PY
}

for r in $(seq "$rounds"); do
  echo "round $r, load average $(cut -d' ' -f1-3 /proc/loadavg)"
  for mode in ${MODES:-close keepalive}; do
    run "$a" $mode
    run "$b" $mode
  done
done
