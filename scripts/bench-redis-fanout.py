#!/usr/bin/env python3
"""Redis pub/sub fan-out as an N-node trackerd cluster would load it, without the trackers.

    scripts/bench-redis-fanout.py REDIS_PORT REDIS_PID NODES MESSAGE_BYTES MESSAGES_PER_SECOND SECONDS [CHANNELS]

NODES publisher connections each PUBLISH a message of MESSAGE_BYTES, MESSAGES_PER_SECOND times a
second (a node's change batches: one per publish interval); NODES subscriber connections read
everything. CHANNELS = "one" (default, as trackerd does now: one channel, every node gets every
message, its own included) or "per-node" (each node publishes on its own channel and subscribes
to the others': N x (N - 1) deliveries instead of N x N). Prints one JSON line: Redis CPU seconds
per second (utime+stime of REDIS_PID over the window), bytes in and delivered per second, and
whether the subscribers got all that was sent (a Redis that cannot keep up falls behind, and past
client-output-buffer-limit pubsub drops the subscriber). One thread, select(): run it on another
core than Redis (taskset). Every loop is bounded by SECONDS plus a 10 s drain.
"""
import json
import os
import select
import socket
import sys
import time


def resp(*parts):
    out = b"*%d\r\n" % len(parts)
    for p in parts:
        out += b"$%d\r\n%s\r\n" % (len(p), p)
    return out


def cpu_seconds(pid):
    stat = open("/proc/%d/stat" % pid).read()
    fields = stat[stat.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main():
    port, redis_pid, nodes, size, per_second, seconds = (int(x) for x in sys.argv[1:7])
    per_node = len(sys.argv) > 7 and sys.argv[7] == "per-node"
    channel = lambda n: (b"bench:%d" % n) if per_node else b"bench"
    subs = []
    for n in range(nodes):
        s = socket.create_connection(("127.0.0.1", port))
        names = [channel(m) for m in range(nodes) if m != n] if per_node else [channel(n)]
        s.sendall(resp(b"SUBSCRIBE", *names))
        subs.append(s)
    time.sleep(0.5)  # the SUBSCRIBE confirmations: read and counted with the rest below
    pubs = [socket.create_connection(("127.0.0.1", port)) for _ in range(nodes)]
    payload = os.urandom(size)
    commands = [resp(b"PUBLISH", channel(n), payload) for n in range(nodes)]
    receivers = nodes - 1 if per_node else nodes
    for s in subs + pubs:
        s.setblocking(False)
    received = [0] * nodes
    buffer = bytearray(4 << 20)
    pending = {}  # publisher index -> bytes of its command still to send
    sent_messages = 0
    start = time.monotonic()
    cpu0 = cpu_seconds(redis_pid)
    interval = 1.0 / per_second
    next_send = start
    end = start + seconds
    by_fd = {s.fileno(): i for i, s in enumerate(subs)}
    pub_fd = {s.fileno(): i for i, s in enumerate(pubs)}
    while True:
        now = time.monotonic()
        if now >= end:
            break
        while next_send <= now and now < end:
            for i in range(nodes):
                if i in pending:
                    continue  # that node's previous message is still going out: skip, as a stalled node would
                pending[i] = memoryview(commands[i])
                sent_messages += 1
            next_send += interval
        readable, writable, _ = select.select(subs + pubs, [pubs[i] for i in pending],
                                              [], max(0.0, min(next_send, end) - time.monotonic()))
        for s in readable:
            fd = s.fileno()
            try:
                n = s.recv_into(buffer)
            except BlockingIOError:
                continue
            if fd in by_fd:
                received[by_fd[fd]] += n
            # publishers' replies (":N\r\n") are read and dropped
        for s in writable:
            i = pub_fd[s.fileno()]
            try:
                n = s.send(pending[i])
            except BlockingIOError:
                continue
            pending[i] = pending[i][n:]
            if not len(pending[i]):
                del pending[i]
    elapsed = time.monotonic() - start
    cpu = cpu_seconds(redis_pid) - cpu0
    in_window = sum(received)
    # drain what Redis still holds for the subscribers (at most 10 s), not counted in the CPU window
    drain_end = time.monotonic() + 10
    wire = len(commands[0])  # a delivered message is a bit larger (its "message" array head)
    while time.monotonic() < drain_end and sum(received) < sent_messages * receivers * size:
        readable, _, _ = select.select(subs, [], [], 0.2)
        for s in readable:
            try:
                received[by_fd[s.fileno()]] += s.recv_into(buffer)
            except (BlockingIOError, ConnectionError):
                pass
    print(json.dumps({
        "nodes": nodes, "channels": "per-node" if per_node else "one", "message_bytes": size,
        "messages_per_second_per_node": per_second, "seconds": round(elapsed, 2),
        "published_messages": sent_messages,
        "redis_cpu_seconds_per_second": round(cpu / elapsed, 3),
        "redis_in_bytes_per_second": round(sent_messages * wire / elapsed),
        "delivered_bytes_per_second_in_window": round(in_window / elapsed),
        "all_delivered": sum(received) >= sent_messages * receivers * size,
        "per_subscriber_bytes": received,
    }))


if __name__ == "__main__":
    main()
