package trackerd.bench;

import trackerd.net.InfoHashes;
import trackerd.swarm.AnnounceEvent;
import trackerd.swarm.RequestKind;
import trackerd.swarm.SwarmRequest;
import trackerd.swarm.SwarmShard;

/**
 * Bytes per WebTorrent peer, as {@link PeerMemoryBenchmark} measures BitTorrent ones: heap in use
 * after a full GC with the WebTorrent swarms filled (Zipf popularity, every torrent at least one
 * peer), minus before, divided by the peers held. Each peer is a peer id, a loop index and a
 * connection token ({@code WsPeers}: 32 bytes a record plus array slack, plus the torrent's slot
 * and its pair object). {@code java -Xms4g -Xmx4g -XX:+UseParallelGC -cp
 * tracker-bench/target/benchmarks.jar trackerd.bench.WsPeerMemoryBenchmark 1000000 100000}
 * (or {@code scripts/bench-memory ws}).
 */
public final class WsPeerMemoryBenchmark {
    private WsPeerMemoryBenchmark() {}

    public static void main(String[] args) {
        long peers = args.length > 0 ? Long.parseLong(args[0]) : 1_000_000;
        int torrents = args.length > 1 ? Integer.parseInt(args[1]) : 100_000;
        SkewedWorkload workload = new SkewedWorkload(peers, torrents);
        long before = PeerMemoryBenchmark.usedAfterGc();
        SwarmShard shard = new SwarmShard(AnnounceBenchmark.settings(), 1);
        SwarmRequest r = SwarmRequest.detached(0);
        long peer = 0;
        for (int t = 0; t < workload.torrents; t++) {
            for (int i = 0; i < workload.swarmSize[t]; i++, peer++) {
                r.reset();
                r.kind = RequestKind.ANNOUNCE;
                r.webTorrent = true;
                r.infoHash0 = InfoHashes.synthetic(t, 0);
                r.infoHash1 = InfoHashes.synthetic(t, 1);
                r.infoHash2 = (int) InfoHashes.synthetic(t, 2);
                r.peerId0 = 0x2D5757303130352DL; // -WW0105-
                r.peerId1 = peer;
                r.peerId2 = (int) (peer >>> 32);
                r.loopIndex = (int) (peer & 7);
                r.connection = peer + 1;
                r.seeder = SkewedWorkload.seeder(peer);
                r.event = AnnounceEvent.STARTED;
                r.address0 = SkewedWorkload.address(peer);
                shard.announce(r, 0);
            }
        }
        long after = PeerMemoryBenchmark.usedAfterGc();
        long held = shard.wsPeers();
        System.out.printf("WebTorrent peers %,d (asked %,d) over %,d torrents (largest swarm %,d)%n",
            held, peers, shard.wsTorrents(), workload.swarmSize[0]);
        System.out.printf("heap growth %,d bytes = %.1f bytes per WS peer (%.1f per torrent)%n", after - before,
            (double) (after - before) / held, (double) (after - before) / shard.wsTorrents());
        if (shard.wsTorrents() < 0) System.out.println(shard); // keep the shard reachable up to here
    }
}
