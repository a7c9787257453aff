#!/usr/bin/env bash
# Two trackerd nodes sharing swarms through one Redis, under the project's UDP load tester, on this
# machine; prints the table that goes into docs/benchmarks.md ("Cluster sync"): medians of RUNS runs.
#
#   scripts/bench-cluster.sh [RUNS=3] [SECONDS=15] [RATE=10000]
#
# Node A is pinned to core 0, everything else (Redis, node B, both load testers) to core 1
# (taskset). Each node: UDP only, one socket worker and one swarm worker,
# limits.new_torrents_per_address_burst=0, metrics on a loopback port. Per run, five scenarios in
# this order, each on fresh processes and a fresh Redis:
#   off    node A with the cluster off; load tester A at RATE announces+scrapes per second
#   on     node A with the cluster on and no other node (it still captures, publishes, and gets
#          its own messages back from Redis)
#   listen nodes A and B, both on, only load tester B: node A's whole CPU over the changes it
#          applied is the cost of a remote change (an upper bound: it includes A's idle cost)
#   pair   nodes A and B, both on; load tester A drives A and load tester B drives B, both at RATE
#          and at once. The testers share half the torrent ranks (the same info hashes, so the
#          swarms overlap: about 54 % of the announces, as the most popular ranks are shared) and
#          have the other half apart (workload.own_torrents_percent=50, tags 1 and 2); tester B's
#          peers are 127.0.0.2 (udp.bind), tester A's 127.0.0.1, so they are different peers.
#          Core 1 must keep up with node B and both testers: compare node A's answered/s with
#          the on scenario's before reading its answers per CPU-second.
#   sat    node A alone, cluster off, load tester A as fast as it can (rate 0): node A's cost of
#          a request when its core is full, for the expected-rate arithmetic
# Each load test: 10 s warm-up, then SECONDS measured. Over the measured window (the script's own
# clock, 10 s after the testers start) it reads each process's utime+stime from /proc/PID/stat,
# each node's tracker_cluster_{changes,bytes}_total{direction} and Redis INFO stats
# (total_net_input_bytes, total_net_output_bytes), and node A's CPU per thread (/proc/PID/task: the
# JIT compiler threads are reported apart, as a 10 s warm-up does not end all compilation).
# After the pair window a probe (127.0.0.3)
# announces to node A for a shared torrent and for one of tester B's own torrents and counts the
# peers of each address in A's replies: B's peers must be there.
# KEEP=1 keeps the work directory (logs, per-run rows); SCENARIOS="pair" runs only those named;
# WARMUP=60 warms up longer than 10 s (code run once a message, ten times a second, needs minutes to be
# compiled by C2);
# NODE_SET="--set cluster.publish_interval_ms=300" adds settings to both nodes; NODE_A_JAVA_OPTS adds
# JVM options to node A only (a profiler: -agentpath:.../libasyncProfiler.so=start,event=cpu,threads,file=F);
# ANALYSE=DIR prints the tables again from a kept directory (with the same RATE argument).
# The machine is assumed shared: every figure is indicative; compare within a run.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
seconds=${2:-15}
rate=${3:-10000}
warmup=${WARMUP:-10}
command -v redis-server >/dev/null || { apt-get update -qq && apt-get install -y -qq redis-server >/dev/null; }
[ -f tracker-server/target/tracker.jar ] && [ -f tracker-loadtest/target/tracker-loadtest.jar ] \
  || mvn -B -q -DskipTests package -pl tracker-server,tracker-loadtest -am
work=${ANALYSE:-$(mktemp -d /tmp/bench-cluster.XXXXXX)}
[ -n "${ANALYSE:-}" ] && { KEEP=1; runs=0; }
. scripts/bench-cluster-lib.sh

# shared torrent (rank 1) and one of tester B's own (rank 2), as node A sees them
mapfile -t probe_hashes < <(java -jar tracker-loadtest/target/tracker-loadtest.jar --print-info-hashes \
  --set workload.own_torrents_percent=50 --set workload.own_torrents_tag=2 | head -2)

probe() { # port -> "shared_from_A shared_from_B own_from_A own_from_B"
  python3 - "$1" "${probe_hashes[@]}" <<'PY'
import socket, struct, sys
port, hashes = int(sys.argv[1]), sys.argv[2:]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.3", 0)); s.settimeout(1)
def ask(packet, tid):
    for _ in range(3):
        s.sendto(packet, ("127.0.0.1", port))
        try:
            while True:
                reply = s.recv(4096)
                if len(reply) >= 8 and struct.unpack(">I", reply[4:8])[0] == tid: return reply
        except socket.timeout:
            pass
    sys.exit("probe: no reply")
cid = struct.unpack(">Q", ask(struct.pack(">QII", 0x41727101980, 0, 7), 7)[8:16])[0]
out = []
for i, h in enumerate(hashes):
    tid = 100 + i
    # BEP 15 announce: a leecher (left > 0), numwant 200 (the tracker caps it at max_response_peers)
    packet = struct.pack(">QII20s20sQQQIIIiH", cid, 1, tid, bytes.fromhex(h), b"-PROBE-" + bytes(13),
                         0, 1000, 0, 0, 0, 0, 200, 6881)
    reply = ask(packet, tid)
    ips = [socket.inet_ntoa(reply[o:o + 4]) for o in range(20, len(reply), 6)]
    out += [ips.count("127.0.0.1"), ips.count("127.0.0.2")]
print(" ".join(map(str, out)))
PY
}

hz=$(getconf CLK_TCK)
results="$work/results.tsv"
# columns: scenario run answered/s answers/A-CPU-s A-cpu/s timeouts invalid peers/reply
#          A-changes-in/s A-changes-out/s A-bytes-in/s A-bytes-out/s B-cpu/s redis-cpu/s redis-in/s redis-out/s
#          probe(shared A, shared B, own-B A, own-B B) B-answered/s
for run in $(seq "$runs"); do
  for scenario in ${SCENARIOS:-off on listen pair sat}; do
    start_redis
    cluster=on; { [ $scenario = off ] || [ $scenario = sat ]; } && cluster=off
    start_node A 0 $cluster; a_pid=$node_pid; a_port=$node_port; a_metrics=$node_metrics
    b_pid=; lb_pid=
    if [ $scenario = pair ] || [ $scenario = listen ]; then
      start_node B 1 on; b_pid=$node_pid; b_port=$node_port; b_metrics=$node_metrics
      for _ in $(seq 100); do # both have heard each other's heartbeat (every heartbeat_seconds = 2 s)
        curl -s "http://127.0.0.1:$a_metrics/metrics" | grep -q '^tracker_cluster_nodes 1' \
          && curl -s "http://127.0.0.1:$b_metrics/metrics" | grep -q '^tracker_cluster_nodes 1' && break
        sleep 0.1
      done
      loadtest 2 127.0.0.2 "$b_port" "$rate" "$work/b.json" "$b_pid" >"$work/lt-b.log" 2>&1 &
      lb_pid=$!; pids+=("$lb_pid")
    fi
    a_rate=$rate; [ $scenario = sat ] && a_rate=0
    la_pid=
    if [ $scenario != listen ]; then
      loadtest 1 127.0.0.1 "$a_port" "$a_rate" "$work/a.json" "$a_pid" >"$work/lt-a.log" 2>&1 &
      la_pid=$!; pids+=("$la_pid")
    fi
    sleep $warmup
    t0=$(date +%s.%N); a0=$(node_snapshot $a_pid $a_metrics); r0=$(redis_snapshot); th0=$(threads_snapshot $a_pid)
    b0="0 0 0 0 0"; [ -n "$b_pid" ] && b0=$(node_snapshot $b_pid $b_metrics)
    sleep "$seconds"
    t1=$(date +%s.%N); a1=$(node_snapshot $a_pid $a_metrics); r1=$(redis_snapshot); th1=$(threads_snapshot $a_pid)
    b1="0 0 0 0 0"; [ -n "$b_pid" ] && b1=$(node_snapshot $b_pid $b_metrics)
    [ -n "$la_pid" ] && { wait $la_pid || { echo "load tester A failed:" >&2; cat "$work/lt-a.log" >&2; exit 1; }; }
    [ -n "$lb_pid" ] && { wait $lb_pid || { echo "load tester B failed:" >&2; cat "$work/lt-b.log" >&2; exit 1; }; }
    probed="0 0 0 0"; [ $scenario = pair ] && probed=$(probe $a_port)
    stop $a_pid $b_pid $redis_pid
    python3 - "$scenario" "$run" "$hz" "$t0" "$t1" "$th0" "$th1" >>"$work/threads.tsv" <<'PY'
import json, sys
scenario, run, hz, t0, t1 = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
th0, th1 = json.loads(sys.argv[6]), json.loads(sys.argv[7])
delta = {k: round((v - th0.get(k, 0)) / hz / (t1 - t0), 4) for k, v in th1.items() if v - th0.get(k, 0) > 0}
print("\t".join([scenario, run, json.dumps(delta, separators=(",", ":"))]))
PY
    python3 - "$scenario" "$run" "$hz" "$t0" "$t1" "$a0" "$a1" "$b0" "$b1" "$r0" "$r1" "$probed" \
        "$work/a.json" "$work/b.json" >>"$results" <<'PY'
import json, os, sys
scenario, run, hz, t0, t1 = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
a0, a1, b0, b1, r0, r1 = ([float(x) for x in v.split()] for v in sys.argv[6:12])
probed = sys.argv[12].split()
dt = t1 - t0
per_s = lambda x0, x1: (x1 - x0) / dt
none = {"responses_per_second": {"total": 0}, "timeouts": 0, "invalid_replies": 0, "peers_per_announce_reply": 0}
a = json.load(open(sys.argv[13])) if scenario != "listen" else none
b = json.load(open(sys.argv[14])) if scenario in ("pair", "listen") else None
row = [scenario, run, round(a["responses_per_second"]["total"]), round(a.get("answers_per_tracker_cpu_second", 0)),
       round(per_s(a0[0], a1[0]) / hz, 3), a["timeouts"], a["invalid_replies"], round(a["peers_per_announce_reply"], 1)]
row += [round(per_s(a0[i], a1[i])) for i in range(1, 5)]
row += [round(per_s(b0[0], b1[0]) / hz, 3), round(per_s(r0[0], r1[0]) / hz, 3), round(per_s(r0[1], r1[1])), round(per_s(r0[2], r1[2]))]
row += probed
row += [round(b["responses_per_second"]["total"]) if b else 0]
print("\t".join(map(str, row)))
PY
    tail -1 "$results" >&2
    rm -f "$work/a.json" "$work/b.json"
  done
done

python3 - "$results" "$rate" "$work/threads.tsv" <<'PY'
import json, statistics, sys
rows = [line.split("\t") for line in open(sys.argv[1]).read().split("\n") if line]
rate = int(sys.argv[2])
cols = ["scenario", "run", "rps", "per_cpu", "cpu", "timeouts", "invalid", "peers", "ch_in", "ch_out", "by_in", "by_out",
        "b_cpu", "r_cpu", "r_in", "r_out", "p_sa", "p_sb", "p_oa", "p_ob", "b_rps"]
med = {}
for name in ("off", "on", "listen", "pair", "sat"):
    mine = [dict(zip(cols, r)) for r in rows if r[0] == name]
    if mine:
        med[name] = {k: statistics.median(float(r[k]) for r in mine) for k in cols[2:]}
if not {"off", "on", "pair"} <= med.keys():
    for r in rows: print("  " + "  ".join(r))
    sys.exit(0)
n = len([r for r in rows if r[0] == "off"])
print("Node A (core 0), medians of %d runs, load tester A at %d requests/s (sat: as fast as it goes):" % (n, rate))
print()
print("| scenario | node A answered/s | node A CPU (s/s) | answers per node-A CPU-second | vs off | peers per announce reply | timeouts | invalid |")
print("| --- | --- | --- | --- | --- | --- | --- | --- |")
labels = {"off": "alone, cluster off", "on": "alone, cluster on (no other node)",
          "pair": "with node B's stream applied", "sat": "alone, cluster off, saturated",
          "listen": "B's stream only, no clients on A"}
for name in [x for x in ("off", "on", "pair", "sat") if x in med]:
    m = med[name]
    print("| %s | %.0f | %.3f | %.0f | %s | %.1f | %.0f | %.0f |" % (labels[name], m["rps"], m["cpu"], m["per_cpu"],
          "%.3f" % (m["per_cpu"] / med["off"]["per_cpu"]) if name != "sat" else "", m["peers"], m["timeouts"], m["invalid"]))
p = med["pair"]
if p["rps"] < 0.9 * med["on"]["rps"]:
    print()
    print("WARNING: in pair, node A answered %.0f/s against %.0f/s in on: core 1 did not keep up (node B, Redis, both"
          " testers), so pair's answers per CPU-second and the (pair - on) figures below are not comparable;"
          " use a lower RATE or a quieter machine." % (p["rps"], med["on"]["rps"]))
print()
print("Pair (medians): node A applied %.0f changes/s from B and published %.0f; cluster payload in %.0f B/s, out %.0f B/s"
      % (p["ch_in"], p["ch_out"], p["by_in"], p["by_out"]))
print("(%.1f B a change); Redis in %.0f B/s, out %.0f B/s (both nodes, with RESP framing), Redis CPU %.3f s/s, node B CPU %.3f s/s, node B answered %.0f/s."
      % (p["by_out"] / max(p["ch_out"], 1), p["r_in"], p["r_out"], p["r_cpu"], p["b_cpu"], p["b_rps"]))
print("Probe of node A after the pair window (peers at 127.0.0.1 = tester A's, 127.0.0.2 = tester B's): shared torrent %.0f / %.0f,"
      " tester B's own torrent %.0f / %.0f." % (p["p_sa"], p["p_sb"], p["p_oa"], p["p_ob"]))
jit = {}
for line in open(sys.argv[3]).read().split("\n"):
    if line:
        name, run, delta = line.split("\t")
        jit[(name, run)] = sum(v for k, v in json.loads(delta).items() if "Compiler" in k or k.startswith("C CompilerThre"))
for name in med:
    mine = [dict(zip(cols, r)) for r in rows if r[0] == name]
    med[name]["cpu_nojit"] = statistics.median(float(r["cpu"]) - jit.get((name, r["run"]), 0) for r in mine)
    med[name]["per_cpu_nojit"] = statistics.median(float(r["rps"]) / max(1e-9, float(r["cpu"]) - jit.get((name, r["run"]), 0)) for r in mine)
print()
print("Without the JIT compiler threads, node A CPU (s/s) and answers per CPU-second: " + "; ".join(
    "%s %.3f, %.0f" % (x, med[x]["cpu_nojit"], med[x]["per_cpu_nojit"]) for x in med))
# per remote change: node A's extra CPU with B's stream over the cluster-on run, per change applied (per run, then median)
def per_run(name):
    return {r[1]: dict(zip(cols, r)) for r in rows if r[0] == name}
on, pair, off = per_run("on"), per_run("pair"), per_run("off")
apply_ns = [ (float(pair[k]["cpu"]) - float(on[k]["cpu"])) / float(pair[k]["ch_in"]) * 1e9 for k in pair if k in on and float(pair[k]["ch_in"]) > 0]
capture_ns = [ (float(on[k]["cpu"]) - float(off[k]["cpu"])) / float(on[k]["rps"]) * 1e9 for k in on if k in off]
print("Node A's CPU per change applied from B ((pair - on) CPU / changes in): %s ns, median %.0f" %
      (", ".join("%.0f" % x for x in apply_ns), statistics.median(apply_ns)))
apply_nojit = [(float(pair[k]["cpu"]) - jit.get(("pair", k), 0) - float(on[k]["cpu"]) + jit.get(("on", k), 0))
               / float(pair[k]["ch_in"]) * 1e9 for k in pair if k in on and float(pair[k]["ch_in"]) > 0]
print("  the same without the JIT compiler threads: %s ns, median %.0f" %
      (", ".join("%.0f" % x for x in apply_nojit), statistics.median(apply_nojit)))
if "listen" in med:
    listen = per_run("listen")
    lst = [float(r["cpu"]) / float(r["ch_in"]) * 1e9 for r in listen.values() if float(r["ch_in"]) > 0]
    print("Listen (no clients on A): node A applied %.0f changes/s using %.3f CPU-s/s: %s ns a change, median %.0f (node B answered %.0f/s)"
          % (med["listen"]["ch_in"], med["listen"]["cpu"], ", ".join("%.0f" % x for x in lst), statistics.median(lst), med["listen"]["b_rps"]))
print("Node A's CPU per own request for the cluster ((on - off) CPU / answered): %s ns, median %.0f" %
      (", ".join("%.0f" % x for x in capture_ns), statistics.median(capture_ns)))
print("Changes published per own request (on): %.3f" % (med["on"]["ch_out"] / med["on"]["rps"]))
threads = {}
for line in open(sys.argv[3]).read().split("\n"):
    if line:
        name, run, delta = line.split("\t")
        threads.setdefault(name, []).append(json.loads(delta))
names = sorted({k for ds in threads.values() for d in ds for k in d},
               key=lambda k: -statistics.median(d.get(k, 0) for d in threads.get("pair", [{}])))
print()
print("Node A's CPU by thread (s/s, medians; thread names without their numbers):")
print()
shown = [x for x in ("off", "on", "listen", "pair") if x in threads]
print("| thread | " + " | ".join(labels[x] for x in shown) + " |")
print("| --- |" + " --- |" * len(shown))
for k in names[:10]:
    print("| %s | %s |" % (k, " | ".join("%.4f" % statistics.median(d.get(k, 0) for d in threads[x])
                                          for x in shown)))
print()
print("per run (scenario run answered/s answers/CPU-s A-CPU-s/s timeouts invalid peers/reply A-ch-in/s A-ch-out/s A-B-in/s A-B-out/s"
      " B-CPU-s/s redis-CPU-s/s redis-in-B/s redis-out-B/s probe(shared A,B own-B A,B) B-answered/s):")
for r in rows: print("  " + "  ".join(r))
PY
