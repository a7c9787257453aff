package trackerd.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import trackerd.swarm.AnnounceEvent;
import trackerd.swarm.SwarmRequest;
import trackerd.net.InfoHashes;
import trackerd.swarm.SwarmShard;

/**
 * Bytes per peer: heap in use after a full GC with the swarm filled, minus before, divided by
 * the peers held. Run it with a fixed heap and a simple collector so the numbers are steady:
 * {@code java -Xms4g -Xmx4g -XX:+UseParallelGC -cp tracker-bench/target/benchmarks.jar
 * trackerd.bench.PeerMemoryBenchmark 1000000 100000} (or {@code scripts/bench-memory}).
 * With as many peers as torrents every torrent has exactly one peer, and the bytes per torrent
 * line is the cost of a one-peer torrent ({@code scripts/bench-memory one-peer 10000000}).
 * It also prints the longest single announce while filling: table growth (and any collection
 * it triggers) shows there, since a swarm worker answers nothing else meanwhile.
 */
public final class PeerMemoryBenchmark {
    private PeerMemoryBenchmark() {}

    public static void main(String[] args) {
        long peers = args.length > 0 ? Long.parseLong(args[0]) : 1_000_000;
        int torrents = args.length > 1 ? Integer.parseInt(args[1]) : 100_000;
        SkewedWorkload workload = new SkewedWorkload(peers, torrents);

        long before = usedAfterGc();
        SwarmShard shard = fill(workload);
        long after = usedAfterGc();

        long held = shard.peers(false);
        double perPeer = (double) (after - before) / held;
        System.out.printf("peers %,d (asked %,d) over %,d torrents (largest swarm %,d)%n",
            held, peers, shard.torrents(), workload.swarmSize[0]);
        System.out.printf("heap growth %,d bytes = %.1f bytes per peer%n", after - before, perPeer);
        System.out.printf("= %.1f bytes per torrent%n", (double) (after - before) / shard.torrents());
        System.out.printf("longest announce while filling %.2f ms; %d over 1 ms%n", longestNanos / 1e6, overOneMs);
        if (shard.torrents() < 0) System.out.println(shard); // keep the shard reachable up to here
    }

    private static long longestNanos;
    private static long overOneMs;

    static SwarmShard fill(SkewedWorkload workload) {
        SwarmShard shard = new SwarmShard(AnnounceBenchmark.settings(), 1);
        SwarmRequest slot = SwarmRequest.detached(0);
        long peer = 0;
        for (int t = 0; t < workload.torrents; t++) {
            slot.infoHash0 = InfoHashes.synthetic(t, 0);
            slot.infoHash1 = InfoHashes.synthetic(t, 1);
            slot.infoHash2 = (int) InfoHashes.synthetic(t, 2);
            for (int i = 0; i < workload.swarmSize[t]; i++, peer++) {
                slot.address0 = SkewedWorkload.address(peer);
                slot.port = SkewedWorkload.port(peer);
                slot.seeder = SkewedWorkload.seeder(peer);
                slot.event = AnnounceEvent.STARTED;
                slot.numwant = 0;
                long start = System.nanoTime();
                shard.announce(slot, 0);
                long took = System.nanoTime() - start;
                if (took > longestNanos) longestNanos = took;
                if (took > 1_000_000) overOneMs++;
            }
        }
        return shard;
    }

    static long usedAfterGc() {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            System.gc();
            used = Math.min(used, memory.getHeapMemoryUsage().getUsed());
        }
        return used;
    }
}
