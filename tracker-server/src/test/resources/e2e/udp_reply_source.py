#!/usr/bin/python3
"""Which address does a UDP tracker answer from? (issue 10)

usage: udp_reply_source.py PORT FROM_IP:TO_IP [FROM_IP:TO_IP ...]   (IPv6 as [addr]:[addr])

For each pair, sends a BEP 15 connect from a socket bound to FROM_IP to TO_IP:PORT and prints
one JSON line: the pair, the address and port the reply came from (null after a 2 s timeout),
and the reply's length. Run inside the tracker's network namespace.
"""
import json
import socket
import struct
import sys

PROTOCOL_ID = 0x41727101980  # BEP 15 connect magic


def parse(pair):
    if pair.startswith("["):
        source, target = pair[1:-1].split("]:[")
    else:
        source, target = pair.split(":")
    return source, target


def probe(port, source, target, transaction_id):
    family = socket.AF_INET6 if ":" in target else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as s:
        s.settimeout(2.0)
        s.bind((source, 0))
        # connection id = protocol magic, action 0 = connect, transaction id
        s.sendto(struct.pack(">QII", PROTOCOL_ID, 0, transaction_id), (target, port))
        try:
            data, sender = s.recvfrom(2048)
        except socket.timeout:
            return {"from": source, "to": target, "reply_from": None, "reply_port": None, "length": 0}
        return {"from": source, "to": target, "reply_from": sender[0], "reply_port": sender[1], "length": len(data)}


def main():
    port = int(sys.argv[1])
    for i, pair in enumerate(sys.argv[2:]):
        source, target = parse(pair)
        print(json.dumps(probe(port, source, target, 1000 + i)), flush=True)


if __name__ == "__main__":
    main()
