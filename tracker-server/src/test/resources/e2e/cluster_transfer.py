#!/usr/bin/python3
"""A libtorrent transfer through two nodes of a trackerd cluster.

usage: cluster_transfer.py SEED_URL LEECH_URL BIND_IP WORKDIR HOLD_FILE

The seeder's torrent names only SEED_URL (node A), the leecher's only LEECH_URL (node B): the
same info dict, so the same info hash, and each peer can learn of the other only through the
cluster sync. Prints "info_hash HEX" at once; both peers stay in their swarm after the transfer
until HOLD_FILE exists (the test scrapes a third node meanwhile), then one JSON line as
libtorrent_transfer.py does. DHT, LSD, UPnP, NAT-PMP and PEX are off (see that script).
"""
import hashlib
import json
import os
import subprocess
import sys
import time

import libtorrent as lt

import libtorrent_transfer as base


def main():
    seed_url, leech_url, bind_ip, work, hold = sys.argv[1:6]
    torrent_a, seed_dir, digest = base.make_torrent([seed_url], work)
    meta = lt.bdecode(open(torrent_a, "rb").read())
    meta[b"announce"] = leech_url.encode()
    torrent_b = os.path.join(work, "leech.torrent")
    with open(torrent_b, "wb") as f:
        f.write(lt.bencode(meta))
    print("info_hash %s" % lt.torrent_info(torrent_a).info_hash(), flush=True)
    leech_dir = os.path.join(work, "leech")
    os.makedirs(leech_dir)
    env = dict(os.environ, HOLD_FILE=hold)
    me = os.path.abspath(__file__)

    def start(role, torrent, save_path):
        return subprocess.Popen([sys.executable, "-X", "faulthandler", me, "--peer", role, torrent, save_path,
                                 bind_ip], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)

    def report(role, process):
        out, err = process.communicate(timeout=3 * base.DEADLINE_SECONDS + 15)
        lines = out.strip().splitlines()
        if process.returncode == 0 and lines:
            return json.loads(lines[-1])
        return {"role": role, "exit": process.returncode, "stderr": err[-2000:]}

    seeder = start("seed", torrent_a, seed_dir)
    leecher = start("leech", torrent_b, leech_dir)
    leech = report("leech", leecher)
    open(os.path.join(seed_dir, "done"), "w").close()
    seed = report("seed", seeder)
    got = os.path.join(leech_dir, "payload.bin")
    same = os.path.exists(got) and hashlib.sha256(open(got, "rb").read()).digest() == digest
    print(json.dumps({"leecher": leech, "seeder": seed, "same_hash": same}), flush=True)


def run_peer(role, torrent, save_path, bind_ip):
    plain = base.alerts
    last = [time.time()]

    def alerts(ses):
        # run_peer's loop calls this every 200 ms at most
        if time.time() - last[0] >= 2:
            last[0] = time.time()
            for handle in ses.get_torrents():
                if handle.status().num_peers == 0:
                    handle.force_reannounce(0, -1, lt.reannounce_flags_t.ignore_min_interval)
        return plain(ses)

    base.alerts = alerts
    base.run_peer(role, torrent, save_path, bind_ip)


if __name__ == "__main__":
    if sys.argv[1] == "--peer":
        run_peer(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5])
    else:
        main()
