#!/usr/bin/python3
"""End-to-end transfer through a tracker, with libtorrent (Debian python3-libtorrent).

usage: libtorrent_transfer.py TRACKER_URL BIND_IP WORKDIR [LEECH_IP [LEECH_URL]]

BIND_IP is the seeder's address, and the leecher's unless LEECH_IP is given (a tracker must
answer each from the address it asked, issue 10). With LEECH_URL the torrent names both URLs and
each peer announces to its own one only (a mixed swarm: e.g. seeder over udp://, leecher over
http://, the same info hash). An https:// tracker is verified against OpenSSL's default trust
store, which the caller points at its test CA with SSL_CERT_FILE (validate_https_trackers on).

Makes an 8 MiB random file and a torrent naming only TRACKER_URL, then runs a seeder and a
leecher in two processes (libtorrent caches UDP connection ids per process) with DHT, local
peer discovery, UPnP, NAT-PMP and the PEX plugin off, so the tracker is their only way to
find each other. Prints one JSON line: whether the leecher finished, whether its file hashes
the same, what a scrape through the tracker said afterwards, and how many peer processes
crashed on the way. Every wait is bounded.
"""
import hashlib
import json
import os
import subprocess
import sys
import time

import libtorrent as lt

SIZE = 8 * 1024 * 1024
DEADLINE_SECONDS = 60


def session(bind_ip):
    host = "[%s]" % bind_ip if ":" in bind_ip else bind_ip
    settings = {
        "listen_interfaces": "%s:0" % host,
        "enable_dht": False,
        "enable_lsd": False,
        "enable_upnp": False,
        "enable_natpmp": False,
        "dht_bootstrap_nodes": "",
        "allow_multiple_connections_per_ip": True,
        "alert_mask": lt.alert.category_t.all_categories,
        "announce_to_all_trackers": True,
        # an https:// tracker must prove itself with a certificate chain to a trusted CA (the
        # default, said here so a changed default cannot make the HTTPS test pass untrusted)
        "validate_https_trackers": True,
    }
    return lt.session(settings, 0)  # flags 0: no default plugins, so no PEX


def alerts(ses):
    ses.wait_for_alert(200)
    return ses.pop_alerts()


def downloaded(handle):
    """The 'downloaded' count of the last scrape, as libtorrent keeps it per tracker endpoint."""
    for tracker in handle.trackers():
        for endpoint in tracker.get("endpoints", []):
            for info in endpoint.get("info_hashes", []):
                if info.get("scrape_downloaded", -1) >= 0:
                    return info["scrape_downloaded"]
    return -1


def completed_announced(handle):
    """Whether the tracker answered event=completed for every info hash (v1 and v2 of a hybrid
    torrent), so that a scrape from now on must count this peer as a seeder and a download."""
    hashes = [info for tracker in handle.trackers() for endpoint in tracker.get("endpoints", [])
              for info in endpoint.get("info_hashes", [])]
    return bool(hashes) and all(info["complete_sent"] and not info["updating"] for info in hashes)


def run_peer(role, torrent_path, save_path, bind_ip, url=None):
    ses = session(bind_ip)
    params = lt.add_torrent_params()
    params.ti = lt.torrent_info(torrent_path)
    params.save_path = save_path
    handle = ses.add_torrent(params)
    if url:
        handle.replace_trackers([{"url": url, "tier": 0}])  # this peer's protocol only
    deadline = time.time() + DEADLINE_SECONDS
    report = {"role": role, "tracker_replies": 0, "tracker_errors": []}
    scraped = None
    while time.time() < deadline:
        for a in alerts(ses):
            if isinstance(a, lt.tracker_reply_alert):
                report["tracker_replies"] += 1
                # peers per reply, and what became of the connections: the first thing to read when a
                # transfer fails with every announce answered
                report.setdefault("peers_in_replies", []).append(a.num_peers)
            elif isinstance(a, (lt.peer_connect_alert, lt.peer_error_alert, lt.peer_disconnected_alert,
                                lt.incoming_connection_alert, lt.listen_failed_alert, lt.listen_succeeded_alert)):
                events = report.setdefault("peer_events", [])
                if len(events) < 12:
                    events.append(a.message())
            elif isinstance(a, lt.tracker_error_alert):
                report["tracker_errors"].append(a.message())
            elif isinstance(a, lt.scrape_reply_alert):
                scraped = {"complete": a.complete, "incomplete": a.incomplete}
        status = handle.status()
        if role == "seed" and os.path.exists(os.path.join(save_path, "done")):
            break
        if role == "leech" and status.is_seeding and completed_announced(handle):
            if scraped is None:
                # libtorrent's SSRF guard lets a loopback HTTP tracker be asked on /announce only,
                # so it fails the /scrape of a loopback tracker (with an empty message): lift it
                # for the scrape, after every announce went out under the default
                ses.apply_settings({"ssrf_mitigation": False})
                handle.scrape_tracker()
                scraped = False
            elif scraped:
                report["scrape"] = scraped
                report["scrape"]["downloaded"] = downloaded(handle)
                break
            elif time.time() - report.setdefault("scrape_asked", time.time()) > 1:
                handle.scrape_tracker()
                report["scrape_asked"] = time.time()
    report["finished"] = handle.status().is_seeding
    report.pop("scrape_asked", None)
    print(json.dumps(report), flush=True)
    # cluster_transfer.py: keep the session (and so the peer in its swarm) until the test has looked
    hold = os.environ.get("HOLD_FILE")
    while hold and not os.path.exists(hold) and time.time() < deadline + DEADLINE_SECONDS:
        alerts(ses)


def run_pair(torrent_path, seed_dir, leech_dir, seed_ip, leech_ip, seed_url, leech_url):
    """Runs seeder and leecher; a peer that printed no report is described by its exit and stderr."""
    me = os.path.abspath(__file__)
    done = os.path.join(seed_dir, "done")

    def start(role, save_path, bind_ip, url):
        # faulthandler: a crash inside libtorrent leaves a Python stack on stderr, not silence
        return subprocess.Popen([sys.executable, "-X", "faulthandler", me, "--peer", role, torrent_path,
                                 save_path, bind_ip] + ([url] if url else []),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def report(role, process):
        out, err = process.communicate(timeout=DEADLINE_SECONDS + 15)
        lines = out.strip().splitlines()
        if process.returncode == 0 and lines:
            return json.loads(lines[-1])
        return {"role": role, "exit": process.returncode, "stderr": err[-2000:]}

    seeder = start("seed", seed_dir, seed_ip, seed_url)
    leecher = start("leech", leech_dir, leech_ip, leech_url)
    leech = report("leech", leecher)
    open(done, "w").close()
    return leech, report("seed", seeder)


def make_torrent(urls, work):
    """A fresh random payload (so a fresh info hash) and its torrent naming only the tracker."""
    seed_dir = os.path.join(work, "seed")
    os.makedirs(seed_dir)
    data = os.urandom(SIZE)
    with open(os.path.join(seed_dir, "payload.bin"), "wb") as f:
        f.write(data)
    fs = lt.file_storage()
    lt.add_files(fs, os.path.join(seed_dir, "payload.bin"))
    t = lt.create_torrent(fs, 256 * 1024)
    for tier, url in enumerate(urls):
        t.add_tracker(url, tier)
    lt.set_piece_hashes(t, seed_dir)
    torrent_path = os.path.join(work, "payload.torrent")
    with open(torrent_path, "wb") as f:
        f.write(lt.bencode(t.generate()))
    return torrent_path, seed_dir, hashlib.sha256(data).digest()


def main():
    url, bind_ip, work = sys.argv[1], sys.argv[2], sys.argv[3]
    leech_ip = sys.argv[4] if len(sys.argv) > 4 else bind_ip
    leech_url = sys.argv[5] if len(sys.argv) > 5 else None
    urls = [url, leech_url] if leech_url else [url]
    # A peer process killed by a signal (libtorrent itself crashing: seen once in CI, never
    # reproduced) gets one more attempt with a new torrent, so the tracker's counts start from
    # zero again; the crash is reported, never hidden.
    crashes = []
    for attempt in range(2):
        attempt_dir = os.path.join(work, "attempt%d" % attempt)
        torrent_path, seed_dir, digest = make_torrent(urls, attempt_dir)
        leech_dir = os.path.join(attempt_dir, "leech")
        os.makedirs(leech_dir)
        leech, seed = run_pair(torrent_path, seed_dir, leech_dir, bind_ip, leech_ip,
                               url if leech_url else None, leech_url)
        crashed = [p for p in (leech, seed) if p.get("exit", 0) < 0]
        if not crashed:
            break
        crashes.extend(crashed)
        print("peer crashed, trying again: %s" % json.dumps(crashed), file=sys.stderr, flush=True)
    got = os.path.join(leech_dir, "payload.bin")
    same = os.path.exists(got) and hashlib.sha256(open(got, "rb").read()).digest() == digest
    print(json.dumps({"leecher": leech, "seeder": seed, "same_hash": same, "crashes": len(crashes)}), flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "--peer":
        run_peer(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6] if len(sys.argv) > 6 else None)
    else:
        main()
