#!/usr/bin/env bash
# Paired A/B of the cost of receiving another node's cluster stream, for a machine that is shared:
# two listening nodes, P1 from BEFORE_JAR and P2 from AFTER_JAR, both pinned to core 0, receive the
# same stream from node PB (Redis, PB and PB's load tester at 10,000 requests/s on core 1), so the
# machine's load moves both alike. Every 30 s it appends one line to OUT with the CPU (s/s) of the
# cluster threads of each, then each node's message and change counters.
#
#   scripts/bench-cluster-paired.sh BEFORE_JAR AFTER_JAR OUT [WINDOWS=5]
#
# (docs/benchmarks.md, "Where a message's cost goes"). Build tracker-loadtest first.
set -u
before=$1; after=$2; out=$3; windows=${4:-5}
cd "$(dirname "$0")/.."
w=$(mktemp -d /tmp/bench-cluster-paired.XXXXXX)
port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
rp=$(port)
taskset -c 1 redis-server --port $rp --bind 127.0.0.1 --save '' --appendonly no > $w/redis.log 2>&1 & rpid=$!
sleep 1
node() { # name core jar
  local up=$(port) mp=$(port)
  taskset -c $2 java -Xms1g -Xmx1g -jar $3 --set "udp.listen=[\"127.0.0.1:$up\"]" --set http.enabled=false --set ws.enabled=false \
    --set "metrics.listen=\"127.0.0.1:$mp\"" --set workers.socket_workers=1 --set workers.swarm_workers=1 \
    --set limits.new_torrents_per_address_burst=0 --set cluster.enabled=true --set "cluster.redis=[\"redis://127.0.0.1:$rp\"]" \
    --set "cluster.node_id=\"$1\"" > $w/node-$1.log 2>&1 &
  echo "$! $up $mp"
}
read a1 a1u a1m < <(node P1 0 "$before")
read a2 a2u a2m < <(node P2 0 "$after")
read b bu bm < <(node PB 1 "$after")
sleep 12
timeout 400 taskset -c 1 java -jar tracker-loadtest/target/tracker-loadtest.jar udp --target 127.0.0.1:$bu --duration $((windows*30+30)) --rate 10000 \
  --set run.warmup_seconds=5 --set run.progress=false --set run.drain_seconds=1 --set workload.seed=2 \
  --set workload.own_torrents_percent=50 --set workload.own_torrents_tag=2 --set 'udp.bind="127.0.0.2"' --json $w/b.json > $w/lt.log 2>&1 & lt=$!
sleep 30
snap() { python3 - $1 <<'PY'
import json, os, re, sys
out = {}
for t in os.listdir("/proc/%s/task" % sys.argv[1]):
    try: stat = open("/proc/%s/task/%s/stat" % (sys.argv[1], t)).read()
    except OSError: continue
    name = re.sub(r"[-#]?\d+", "", stat[stat.index("(") + 1:stat.rindex(")")]).strip()
    f = stat[stat.rindex(")") + 2:].split()
    out[name] = out.get(name, 0) + int(f[11]) + int(f[12])
print(json.dumps(out))
PY
}
p1=$(snap $a1); p2=$(snap $a2)
for i in $(seq $windows); do
  sleep 30
  c1=$(snap $a1); c2=$(snap $a2)
  python3 -c "
import json,sys
def d(a,b): a,b=json.loads(a),json.loads(b); return {k:round((v-a.get(k,0))/100/30,4) for k,v in b.items()}
keys=('lettuce-epollEv','cluster-publish','lettuce-timer','swarm')
x,y=d(sys.argv[1],sys.argv[2]),d(sys.argv[3],sys.argv[4])
print(sys.argv[5], 'P1', ' '.join('%s=%.4f'%(k,x.get(k,0)) for k in keys), '| P2', ' '.join('%s=%.4f'%(k,y.get(k,0)) for k in keys))
" "$p1" "$c1" "$p2" "$c2" $i >> $out
  p1=$c1; p2=$c2
done
curl -s http://127.0.0.1:$a1m/metrics | grep -E '^tracker_cluster_(messages|changes)_total' >> $out
curl -s http://127.0.0.1:$a2m/metrics | grep -E '^tracker_cluster_(messages|changes)_total' >> $out
kill $lt $a1 $a2 $b $rpid 2>/dev/null; wait 2>/dev/null
rm -rf $w
