#!/usr/bin/env bash
# What the change streams of other cluster nodes cost one trackerd node, at the rate of a
# full-size cluster, on a machine that cannot run one (issue 14; docs/benchmarks.md, "Cluster sync").
#
#   scripts/bench-cluster-feed.sh [RUNS=3] [SECONDS=15] [RATE=20000] [CHANGES=100000]
#
# 1. A recording of a real node's stream (skipped when STREAM=FILE names one): Redis, node B on
#    core 0 (cluster on), the UDP load tester on core 1 as fast as it goes (RECORD_RATE=0) with the
#    workload of tester B in scripts/bench-cluster.sh (own_torrents_percent=50, tag 2), and
#    `ClusterFeed record` (tracker-bench) writing 20 s of node B's messages after 10 s of warm-up.
# 2. Per run, for each count n in NODES_LIST (default "0 1 3 7": a node of a 1, 2, 4 and 8-node
#    cluster), on a fresh Redis and a fresh node A (core 0; cluster on, UDP only, one socket worker,
#    one swarm worker, limits.new_torrents_per_address_burst=0): load tester A (tag 1, core 1) at
#    RATE requests/s and `ClusterFeed replay` (core 1) playing n other nodes, each publishing
#    CHANGES changes a second from the recording in one message every INTERVAL ms (default 100,
#    the default cluster.publish_interval_ms; set node A's own with NODE_SET="--set
#    cluster.publish_interval_ms=..."). Each feed node's peers have an address of its own.
#    After WARMUP s (default 10) node A's utime+stime, per thread too, and its
#    tracker_cluster_changes_total{direction="in"} are read over SECONDS.
# Node A's extra CPU with n streams over n = 0, at the same own load, is what n other nodes cost
# it: run for run, then the median; per change applied too. CHANGES=auto (NODES_LIST must start
# with 0) feeds each other node at 0.8 x node A's answered/s in that run's n = 0 scenario x
# CHANGES_A_REQUEST (default 0.86: what a node publishes a request when every announce is a
# change, as with real clients, whose re-announces are minutes apart; measured 0.854-0.868 before
# same-tick re-announces were left out, which the load tester's 50,000 peers at full speed make
# common): with node A saturated there (QUOTA below), that is the stream of a node of the same size
# that runs at 0.8 x its rate alone (the 0.8 x N target). The default 100000 is a node of one core at 0.8 x
# 155,000 requests/s x 0.8 changes a request (docs). KEEP=1 keeps the work directory (logs, rows, the recording).
# QUOTA=0.4 caps node A at that share of a core (cgroup v1 cpu controller, a 4 ms period) so that
# with RATE=0 load tester A, which then gets the rest of core 1 beside Redis and the feed, keeps
# node A saturated: node A's answered/s is then its capacity on that share, with and without the
# other nodes' streams (check that node A's CPU is at the quota in every row).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
seconds=${2:-15}
rate=${3:-20000}
changes=${4:-100000}
warmup=${WARMUP:-10}
interval=${INTERVAL:-100}
changes_a_request=${CHANGES_A_REQUEST:-0.86}
command -v redis-server >/dev/null || { apt-get update -qq && apt-get install -y -qq redis-server >/dev/null; }
[ -f tracker-server/target/tracker.jar ] && [ -f tracker-loadtest/target/tracker-loadtest.jar ] \
  && [ -f tracker-bench/target/benchmarks.jar ] \
  || mvn -B -q -DskipTests package -pl tracker-server,tracker-loadtest,tracker-bench -am
work=$(mktemp -d /tmp/bench-cluster-feed.XXXXXX)
. scripts/bench-cluster-lib.sh
feed() { # exec: call it in a subshell, ( feed ... ) or feed ... &
  exec taskset -c 1 java -Xmx2g -cp tracker-bench/target/benchmarks.jar trackerd.bench.ClusterFeed "$@"; }
hz=$(getconf CLK_TCK)
cgroup=
if [ -n "${QUOTA:-}" ]; then
  cgroup=/sys/fs/cgroup/cpu/trackerd-bench-$$
  mkdir "$cgroup"
  echo 4000 >"$cgroup/cpu.cfs_period_us"
  quota_us=$(awk -v q="$QUOTA" 'BEGIN {printf "%d", q * 4000}')
  echo "$quota_us" >"$cgroup/cpu.cfs_quota_us"
  trap 'cleanup; rmdir "$cgroup" 2>/dev/null || true' EXIT
fi

if [ -z "${STREAM:-}" ]; then
  STREAM=$work/stream.bin
  start_redis
  start_node B 0 on; b_pid=$node_pid; b_port=$node_port
  (seconds=25; loadtest 2 127.0.0.2 "$b_port" "${RECORD_RATE:-0}" "$work/rec.json" "$b_pid") >"$work/lt-rec.log" 2>&1 &
  lt_pid=$!; pids+=("$lt_pid")
  sleep "$warmup"
  (feed record "redis://127.0.0.1:$redis_port" "$STREAM" 20) >&2
  wait "$lt_pid" || { echo "load tester failed:" >&2; cat "$work/lt-rec.log" >&2; exit 1; }
  python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print("recorded against node B at %.0f requests/s" % r["responses_per_second"]["total"])' "$work/rec.json" >&2
  stop "$b_pid" "$redis_pid"
fi

rows="$work/rows.tsv"
for run in $(seq "$runs"); do
  for n in ${NODES_LIST:-0 1 3 7}; do
    start_redis
    start_node A 0 on; a_pid=$node_pid; a_port=$node_port; a_metrics=$node_metrics
    [ -n "$cgroup" ] && echo "$a_pid" >"$cgroup/cgroup.procs"
    loadtest 1 127.0.0.1 "$a_port" "$rate" "$work/a.json" "$a_pid" >"$work/lt-a.log" 2>&1 &
    la_pid=$!; pids+=("$la_pid")
    f_pid=
    feed_rate=$changes
    [ "$changes" = auto ] && [ "$n" -gt 0 ] && feed_rate=$(awk -F'\t' -v r="$run" -v c="$changes_a_request" \
      '$1 == 0 && $2 == r {printf "%d", $3 * 0.8 * c}' "$rows")
    if [ "$n" -gt 0 ]; then
      feed replay "redis://127.0.0.1:$redis_port" "$STREAM" "$n" "$feed_rate" "$interval" $((warmup + seconds + 5)) \
        >"$work/feed.log" 2>&1 &
      f_pid=$!; pids+=("$f_pid")
    fi
    sleep "$warmup"
    heard=$(curl -s "http://127.0.0.1:$a_metrics/metrics" | awk '$1 == "tracker_cluster_nodes" {print $2 + 0}')
    t0=$(date +%s.%N); a0=$(node_snapshot "$a_pid" "$a_metrics"); th0=$(threads_snapshot "$a_pid")
    sleep "$seconds"
    t1=$(date +%s.%N); a1=$(node_snapshot "$a_pid" "$a_metrics"); th1=$(threads_snapshot "$a_pid")
    wait "$la_pid" || { echo "load tester A failed:" >&2; cat "$work/lt-a.log" >&2; exit 1; }
    [ -n "$f_pid" ] && { wait "$f_pid" || { echo "feed failed:" >&2; cat "$work/feed.log" >&2; exit 1; }; }
    stop "$a_pid" "$redis_pid"
    python3 - "$n" "$run" "$hz" "$t0" "$t1" "$a0" "$a1" "$th0" "$th1" "$heard" "$work/a.json" "$feed_rate" >>"$rows" <<'PY'
import json, sys
n, run, hz, t0, t1 = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
a0, a1 = ([float(x) for x in v.split()] for v in sys.argv[6:8])
th0, th1 = json.loads(sys.argv[8]), json.loads(sys.argv[9])
dt = t1 - t0
a = json.load(open(sys.argv[11]))
threads = {k: round((v - th0.get(k, 0)) / hz / dt, 4) for k, v in th1.items() if v - th0.get(k, 0) > 0}
print("\t".join(map(str, [n, run, round(a["responses_per_second"]["total"]), round((a1[0] - a0[0]) / hz / dt, 4),
      round((a1[1] - a0[1]) / dt), round((a1[2] - a0[2]) / dt), a["timeouts"], a["invalid_replies"], sys.argv[10] or "0",
      sys.argv[12], json.dumps(threads, separators=(",", ":"))])))
PY
    tail -1 "$rows" | cut -f1-10 >&2
    [ -n "$f_pid" ] && cat "$work/feed.log" >&2
    rm -f "$work/a.json"
  done
done

python3 - "$rows" "$rate" "$interval" <<'PY'
import json, statistics, sys
cols = ["n", "run", "rps", "cpu", "ch_in", "ch_out", "timeouts", "invalid", "heard", "feed", "threads"]
rows = [dict(zip(cols, l.split("\t"))) for l in open(sys.argv[1]).read().split("\n") if l]
rate, interval = int(sys.argv[2]), int(sys.argv[3])
by = {}
for r in rows:
    r["threads"] = json.loads(r["threads"])
    r["nojit"] = float(r["cpu"]) - sum(v for k, v in r["threads"].items() if "Compiler" in k)
    by.setdefault(int(r["n"]), {})[r["run"]] = r
base = by.get(0, {})
med = lambda xs: statistics.median(xs) if xs else float("nan")
print("Node A with load tester A at %s, n other nodes each publishing one message every %d ms; medians of %d runs:"
      % ("%d requests/s" % rate if rate else "full speed", interval, len(base) or len(rows)))
print()
print("| other nodes n | changes/s from each | node A answered/s | vs n = 0 (run for run) | node A CPU (s/s) | answers per CPU-s | vs n = 0 | CPU without JIT threads, extra over n = 0 (s/s) | changes applied/s | nodes heard | timeouts | invalid |")
print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
for n in sorted(by):
    runs = by[n]
    paired = [k for k in runs if k in base]
    ratio = [float(runs[k]["rps"]) / max(1, float(base[k]["rps"])) for k in paired]
    per_cpu = {k: float(r["rps"]) / max(1e-9, float(r["cpu"])) for k, r in runs.items()}
    base_per_cpu = {k: float(r["rps"]) / max(1e-9, float(r["cpu"])) for k, r in base.items()}
    extra = [runs[k]["nojit"] - base[k]["nojit"] for k in paired]
    print("| %d | %s | %.0f | %s | %.3f | %.0f | %s | %s | %.0f | %s | %d | %d |" % (
        n, "/".join(r["feed"] for r in runs.values()) if n else "-", med([float(r["rps"]) for r in runs.values()]),
        "%.3f" % med(ratio) if n else "-", med([float(r["cpu"]) for r in runs.values()]), med(list(per_cpu.values())),
        "%.3f" % med([per_cpu[k] / base_per_cpu[k] for k in paired]) if n else "-",
        "%.3f" % med(extra) if n else "-", med([float(r["ch_in"]) for r in runs.values()]),
        "/".join(r["heard"] for r in runs.values()), sum(int(r["timeouts"]) for r in runs.values()),
        sum(int(r["invalid"]) for r in runs.values())))
if base:
    print()
    print("n = 0: node A published %.0f changes/s, %.3f a request answered."
          % (med([float(r["ch_out"]) for r in base.values()]),
             med([float(r["ch_out"]) / max(1, float(r["rps"])) for r in base.values()])))
print()
print("Node A's CPU by thread (s/s, medians):")
print()
ns = sorted(by)
names = sorted({k for n in ns for r in by[n].values() for k in r["threads"]},
               key=lambda k: -med([r["threads"].get(k, 0) for r in by[ns[-1]].values()]))
print("| thread | " + " | ".join("n = %d" % n for n in ns) + " |")
print("| --- |" + " --- |" * len(ns))
for k in names[:10]:
    print("| %s | %s |" % (k, " | ".join("%.4f" % med([r["threads"].get(k, 0) for r in by[n].values()]) for n in ns)))
print()
print("per run (n run answered/s A-CPU-s/s changes-in/s changes-out/s timeouts invalid nodes-heard feed-changes/s):")
for r in rows: print("  " + "  ".join(r[c] for c in cols[:-1]))
PY
