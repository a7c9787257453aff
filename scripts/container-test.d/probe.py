#!/usr/bin/env python3
"""Probes for scripts/container-test, each bounded by a deadline in seconds.

  probe.py free-ports                      two free loopback ports: "P M" (P free for UDP and TCP)
  probe.py udp-connect HOST PORT SECONDS   a BEP 15 connect is answered (16 bytes, action 0, our id)
  probe.py metrics URL SECONDS             /metrics answers 200 with tracker_* samples; prints it
  probe.py http-health URL SECONDS         GET answers 200
Exit 0 when the probe succeeded, 1 when the deadline passed.
"""
import os
import random
import socket
import struct
import sys
import time
import urllib.request

PROTOCOL_ID = 0x41727101980  # BEP 15 connect magic


def free_ports():
    def free(port, kinds):
        for kind in kinds:
            s = socket.socket(socket.AF_INET, kind)
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                return False
            finally:
                s.close()
        return True

    rnd = random.Random(os.urandom(8))
    ports = []
    for _ in range(1000):
        p = rnd.randrange(20000, 60000)
        if p in ports:
            continue
        if free(p, (socket.SOCK_DGRAM, socket.SOCK_STREAM) if not ports else (socket.SOCK_STREAM,)):
            ports.append(p)
            if len(ports) == 2:
                print(*ports)
                return 0
    return 1


def udp_connect(host, port, seconds):
    deadline = time.monotonic() + seconds
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(0.25)
        while time.monotonic() < deadline:
            tid = random.getrandbits(32)
            # connect request: protocol id (8), action 0 = connect (4), transaction id (4)
            s.sendto(struct.pack(">QII", PROTOCOL_ID, 0, tid), (host, port))
            try:
                data, _ = s.recvfrom(2048)
            except (socket.timeout, ConnectionRefusedError):
                time.sleep(0.05)  # refused: nothing bound yet (ICMP), do not spin
                continue
            # connect reply: action 0 (4), transaction id (4), connection id (8)
            if len(data) == 16 and struct.unpack(">II", data[:8]) == (0, tid):
                return 0
    return 1


def http_get(url, seconds, check):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                body = r.read().decode("utf-8", "replace")
                if r.status == 200 and check(body):
                    return body
        except OSError:
            pass
        time.sleep(0.1)
    return None


def main(argv):
    cmd = argv[1]
    if cmd == "free-ports":
        return free_ports()
    if cmd == "udp-connect":
        return udp_connect(argv[2], int(argv[3]), float(argv[4]))
    if cmd == "metrics":
        body = http_get(argv[2], float(argv[3]), lambda b: "\ntracker_" in b)
        if body is None:
            return 1
        sys.stdout.write(body)
        return 0
    if cmd == "http-health":
        return 0 if http_get(argv[2], float(argv[3]), lambda b: True) is not None else 1
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
