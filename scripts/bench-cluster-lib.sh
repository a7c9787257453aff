# Shared by scripts/bench-cluster.sh and scripts/bench-cluster-feed.sh (sourced, not run): start Redis,
# trackerd nodes and UDP load testers pinned to cores, and read CPU and metrics from /proc and /metrics.
# The caller sets work (a directory; removed at exit unless KEEP is set), warmup and seconds (the
# load-test windows), then sources this; every process started goes into pids, killed at exit.
# TRACKER_JAR runs the nodes from another build (default tracker-server/target/tracker.jar).

pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  if [ -n "${KEEP:-}" ]; then echo "kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { # a port free for TCP and UDP on loopback (a race with other programs is possible, not likely)
  python3 - <<'PY'
import socket
for _ in range(100):
    t = socket.socket(); t.bind(("127.0.0.1", 0)); port = t.getsockname()[1]
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        u.bind(("127.0.0.1", port)); print(port); break
    except OSError:
        pass
    finally:
        u.close(); t.close()
PY
}

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; } # utime + stime, clock ticks
metric() { # port name direction -> value (0 when absent)
  curl -s --max-time 2 "http://127.0.0.1:$1/metrics" \
    | awk -v n="$2" -v d="$3" '$1 ~ "^"n"\\{" && $1 ~ "direction=\""d"\"" {v=$2} END {printf "%.0f\n", v+0}'
}
redis_stat() { redis-cli -p "$redis_port" info stats | tr -d '\r' | awk -F: -v k="$1" '$1==k {print $2}'; }

start_redis() {
  redis_port=$(free_port)
  taskset -c 1 redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no >"$work/redis.log" 2>&1 &
  redis_pid=$!; pids+=("$redis_pid")
  for _ in $(seq 100); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "redis did not start" >&2; exit 1
}

start_node() { # name core cluster(on|off) -> sets node_pid node_port node_metrics
  node_port=$(free_port); node_metrics=$(free_port)
  local cluster=(--set cluster.enabled=false)
  [ "$3" = on ] && cluster=(--set cluster.enabled=true --set "cluster.redis=[\"redis://127.0.0.1:$redis_port\"]"
                            --set "cluster.node_id=\"$1\"")
  local jvm=(); [ "$1" = A ] && [ -n "${NODE_A_JAVA_OPTS:-}" ] && read -ra jvm <<<"$NODE_A_JAVA_OPTS"
  taskset -c "$2" java -Xms1g -Xmx1g "${jvm[@]}" -jar "${TRACKER_JAR:-tracker-server/target/tracker.jar}" \
    --set "udp.listen=[\"127.0.0.1:$node_port\"]" --set http.enabled=false --set ws.enabled=false \
    --set "metrics.listen=\"127.0.0.1:$node_metrics\"" --set workers.socket_workers=1 --set workers.swarm_workers=1 \
    --set limits.new_torrents_per_address_burst=0 "${cluster[@]}" ${NODE_SET:-} >"$work/node-$1.log" 2>&1 &
  node_pid=$!; pids+=("$node_pid")
  for _ in $(seq 300); do # up to 30 s: metrics answer, and Redis is connected when the cluster is on
    if [ "$3" = off ] && curl -s --max-time 1 "http://127.0.0.1:$node_metrics/metrics" >/dev/null; then return 0; fi
    if [ "$3" = on ] && curl -s --max-time 1 "http://127.0.0.1:$node_metrics/metrics" | grep -q '^tracker_cluster_redis_up 1'; then return 0; fi
    kill -0 "$node_pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "node $1 did not start:" >&2; cat "$work/node-$1.log" >&2; exit 1
}

stop() { for p in "$@"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; }

loadtest() { # tag bind port rate json tracker_pid; exec: the caller's $! is the load tester (under timeout)
  exec timeout $((warmup + seconds + 60)) taskset -c 1 java -jar tracker-loadtest/target/tracker-loadtest.jar udp \
    --target "127.0.0.1:$3" --duration "$seconds" --rate "$4" \
    --set run.warmup_seconds=$warmup --set run.progress=false --set run.drain_seconds=1 \
    --set workload.seed="$1" --set workload.own_torrents_percent=50 --set workload.own_torrents_tag="$1" \
    --set "udp.bind=\"$2\"" --set run.tracker_pid="$6" --json "$5"
}

# node -> "cpu_ticks changes_in changes_out bytes_in bytes_out" now
node_snapshot() { # pid metrics_port
  echo "$(cpu_ticks "$1") $(metric "$2" tracker_cluster_changes_total in) $(metric "$2" tracker_cluster_changes_total out)" \
       "$(metric "$2" tracker_cluster_bytes_total in) $(metric "$2" tracker_cluster_bytes_total out)"
}
threads_snapshot() { # pid -> {thread name: utime+stime ticks} as JSON (names with digits dropped: per role)
  python3 - "$1" <<'PY2'
import json, os, re, sys
out = {}
for t in os.listdir("/proc/%s/task" % sys.argv[1]):
    try:
        stat = open("/proc/%s/task/%s/stat" % (sys.argv[1], t)).read()
    except OSError:
        continue
    name = re.sub(r"[-#]?\d+", "", stat[stat.index("(") + 1:stat.rindex(")")]).strip()
    fields = stat[stat.rindex(")") + 2:].split()
    out[name] = out.get(name, 0) + int(fields[11]) + int(fields[12])
print(json.dumps(out, separators=(",", ":")))
PY2
}
redis_snapshot() { echo "$(cpu_ticks "$redis_pid") $(redis_stat total_net_input_bytes) $(redis_stat total_net_output_bytes)"; }
