#!/usr/bin/python3
"""End-to-end transfer through an HTTP tracker with aria2 or Transmission as both peers.

usage: http_client_transfer.py aria2|transmission TRACKER_URL SEED_IP LEECH_IP WORKDIR

Makes an 8 MiB random file and a v1 torrent naming only TRACKER_URL (neither aria2 1.36 nor
Transmission 3.00 reads v2 torrents), starts the seeder, waits until a scrape through the tracker
counts it (so the leecher's first announce already gets it), starts the leecher, waits until its
copy is complete, then scrapes until the counts settle and prints one JSON line: whether the
copy hashes the same, the scrape the tracker gave, and the clients' own output on failure.

DHT, local peer discovery, PEX, UPnP and NAT-PMP are off in both clients, so the tracker is their
only way to find each other. Transmission 3.00 ignores peers at 127.0.0.0/8 and ::1: run it with
non-loopback addresses (the caller runs this inside a network namespace with
documentation-range addresses on lo). Every wait is bounded; every client process is killed at
the end. A client killed by a signal gets one more attempt on a new torrent ("crashes" counts it).
"""
import hashlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request

import libtorrent as lt

SIZE = 8 * 1024 * 1024
DEADLINE_SECONDS = 40


def make_torrent(url, work):
    seed_dir = os.path.join(work, "seed")
    os.makedirs(seed_dir)
    data = os.urandom(SIZE)
    with open(os.path.join(seed_dir, "payload.bin"), "wb") as f:
        f.write(data)
    fs = lt.file_storage()
    lt.add_files(fs, os.path.join(seed_dir, "payload.bin"))
    t = lt.create_torrent(fs, 256 * 1024, flags=lt.create_torrent.v1_only)
    t.add_tracker(url)
    lt.set_piece_hashes(t, seed_dir)
    torrent_path = os.path.join(work, "payload.torrent")
    with open(torrent_path, "wb") as f:
        f.write(lt.bencode(t.generate()))
    info_hash = lt.torrent_info(torrent_path).info_hashes().v1.to_bytes()
    return torrent_path, seed_dir, hashlib.sha256(data).digest(), info_hash


def scrape(url, info_hash):
    """BEP 48 scrape of one info hash: (complete, incomplete, downloaded), or None if absent."""
    scrape_url = url.replace("/announce", "/scrape") + "?info_hash=" + urllib.parse.quote(info_hash, safe="")
    with urllib.request.urlopen(scrape_url, timeout=5) as reply:
        body = lt.bdecode(reply.read())
    files = body.get(b"files", {})
    entry = files.get(info_hash)
    if entry is None:
        return None
    return entry[b"complete"], entry[b"incomplete"], entry[b"downloaded"]


def aria2(role, torrent_path, save_path, ip, port, work):
    command = ["aria2c", "--no-conf", "--dir=" + save_path, "--listen-port=%d" % port,
               "--enable-dht=false", "--enable-dht6=false", "--bt-enable-lpd=false",
               "--enable-peer-exchange=false", "--file-allocation=none", "--summary-interval=0",
               "--console-log-level=warn", "--disable-ipv6=true", "--interface=" + ip]
    if role == "seed":
        command += ["--check-integrity=true"]  # check the file already there
    # seed whatever the ratio until killed: with --seed-time=0 aria2 halts at once and announces
    # only stopped (its completed announce never goes out), so no download would be counted
    return command + ["--seed-ratio=0.0", torrent_path]


def transmission(role, torrent_path, save_path, ip, port, work):
    config = os.path.join(work, "transmission-" + role)
    os.makedirs(config)
    settings = {
        "dht-enabled": False, "lpd-enabled": False, "pex-enabled": False, "utp-enabled": False,
        "port-forwarding-enabled": False, "rpc-enabled": False, "blocklist-enabled": False,
        # peers and announces leave from this address (Transmission binds its tracker requests
        # to a non-default bind address), so the tracker sees the two peers apart
        "bind-address-ipv4": ip, "bind-address-ipv6": "::",
        "peer-port": port, "peer-port-random-on-start": False,
        "speed-limit-up-enabled": False, "speed-limit-down-enabled": False,
        "ratio-limit-enabled": False, "message-level": 1,
    }
    with open(os.path.join(config, "settings.json"), "w") as f:
        json.dump(settings, f)
    return ["transmission-cli", "-g", config, "-w", save_path, "-p", str(port), "-M", "-D", "-U", torrent_path]


CLIENTS = {"aria2": aria2, "transmission": transmission}


def free_port(ip):
    """A TCP port free on ip now (the kernel's pick), so parallel runs never share a peer port."""
    with socket.socket(socket.AF_INET6 if ":" in ip else socket.AF_INET) as s:
        s.bind((ip, 0))
        return s.getsockname()[1]


def complete(path, digest):
    return os.path.exists(path) and os.path.getsize(path) == SIZE \
        and hashlib.sha256(open(path, "rb").read()).digest() == digest


def wait_for(condition, seconds):
    deadline = time.time() + seconds
    while time.time() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    return condition()


EXPECTED = [2, 0, 1]  # the leecher stays on as a seeder, one download counted


def run_once(client, url, seed_ip, leech_ip, work):
    """One seeder/leecher pair on a fresh torrent; the report, and the roles killed by a signal."""
    make_command = CLIENTS[client]
    torrent_path, seed_dir, digest, info_hash = make_torrent(url, work)
    leech_dir = os.path.join(work, "leech")
    os.makedirs(leech_dir)
    logs = {role: open(os.path.join(work, role + ".log"), "w+") for role in ("seed", "leech")}
    processes = {}
    report = {"client": client, "info_hash": info_hash.hex()}
    started = time.time()
    try:
        processes["seed"] = subprocess.Popen(
            make_command("seed", torrent_path, seed_dir, seed_ip, free_port(seed_ip), work),
            stdout=logs["seed"], stderr=subprocess.STDOUT)
        report["seed_announced"] = bool(wait_for(lambda: (scrape(url, info_hash) or (0,))[0] == 1,
                                                 DEADLINE_SECONDS))
        report["seed_announced_after_s"] = round(time.time() - started, 1)
        processes["leech"] = subprocess.Popen(
            make_command("leech", torrent_path, leech_dir, leech_ip, free_port(leech_ip), work),
            stdout=logs["leech"], stderr=subprocess.STDOUT)
        got = os.path.join(leech_dir, "payload.bin")
        report["same_hash"] = bool(wait_for(lambda: complete(got, digest), DEADLINE_SECONDS))
        report["leech_complete_after_s"] = round(time.time() - started, 1)
        # the completed announce may still be on its way: scrape until the counts settle
        counts = wait_for(lambda: (lambda c: c if c is not None and list(c) == EXPECTED else None)(
            scrape(url, info_hash)), 15)
        report["scrape"] = list(counts or scrape(url, info_hash) or [])
        report["scraped_after_s"] = round(time.time() - started, 1)
    finally:
        # a client gone before we kill it, by a signal: a crash of the client, not a tracker answer
        crashed = [role for role, p in processes.items() if p.poll() is not None and p.returncode < 0]
        for process in processes.values():
            if process.poll() is None:
                process.kill()
            process.wait(timeout=10)
    if not (report.get("same_hash") and report.get("scrape") == EXPECTED):
        for role, log in logs.items():
            log.seek(0)
            report[role + "_log"] = log.read()[-3000:]
    return report, crashed


def main():
    client, url, seed_ip, leech_ip, work = sys.argv[1:6]
    # A client killed by a signal gets one more attempt on a new torrent (so the counts start
    # from zero); the crash is reported, never hidden. A wrong transfer or count gets none.
    crashes = []
    for attempt in range(2):
        report, crashed = run_once(client, url, seed_ip, leech_ip, os.path.join(work, "attempt%d" % attempt))
        if not crashed:
            break
        crashes.extend(crashed)
        print("%s %s crashed, trying again: %s" % (client, crashed, json.dumps(report)), file=sys.stderr, flush=True)
    report["crashes"] = len(crashes)
    print(json.dumps(report), flush=True)


if __name__ == "__main__":
    main()
