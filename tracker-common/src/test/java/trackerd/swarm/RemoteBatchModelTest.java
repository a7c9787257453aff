package trackerd.swarm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Remote batches against a plain model of the cluster rules: every path that finds, inserts,
 * removes, grows or walks the remote-peer side tables (a grouped batch, its hashes computed once
 * in {@code SwarmShard.touchGroup}; local announces taking a peer over; the drop walk; the expiry
 * sweep; the export of local peers) must agree on each entry's hash. Batches mix IPv4, IPv6 and
 * WebTorrent changes of three origins and grow the side tables' segments mid-batch; the same
 * changes applied one per batch must give the same shard, and both must match the model peer for
 * peer (seeder, tick, local or remote).
 */
@Timeout(60)
class RemoteBatchModelTest {
    private static final int TIMEOUT_TICKS = SwarmShardTest.TIMEOUT_SECONDS / PeerStore.TICK_SECONDS + 1;
    private static final int TORRENTS = 60;
    private static final int HOSTS = 300;

    /** One BitTorrent peer of one torrent. */
    private record Key(int torrent, boolean ipv6, int host, int port) implements Comparable<Key> {
        public int compareTo(Key o) {
            return toString().compareTo(o.toString());
        }
    }

    /** What the model holds for a peer: origin -1 is local. */
    private record Rec(boolean seeder, int tick, int origin) {}

    private final Map<Key, Rec> model = new HashMap<>();
    private final SwarmShard batched = new SwarmShard(SwarmShardTest.settings(10_000, 10_000), 1);
    private final SwarmShard oneByOne = new SwarmShard(SwarmShardTest.settings(10_000, 10_000), 1);
    private final SwarmShardTest helper = new SwarmShardTest();
    private final SplittableRandom random = new SplittableRandom(20261130);

    private Key randomKey() {
        return new Key(random.nextInt(TORRENTS), random.nextInt(3) == 0, 1 + random.nextInt(HOSTS),
            6881 + random.nextInt(2));
    }

    private static void add(ChangeBuffer b, Key k, int flags, int tick) {
        long h0 = 0x1111_0000_0000_0000L + k.torrent;
        if (k.ipv6) {
            b.add(h0, k.torrent * 31L, k.torrent, flags | ChangeBuffer.IPV6, tick, ChangeBuffer.keyWord(true, 0, k.port),
                0x2001_0db8_0000_0000L, k.host);
        } else {
            b.add(h0, k.torrent * 31L, k.torrent, flags, tick,
                ChangeBuffer.keyWord(false, (10L << 24) + k.host, k.port), 0, 0);
        }
    }

    /** The model of {@code SwarmShard.applyRemote} for one BitTorrent change. */
    private void modelRemote(Key k, int flags, int tick, int origin) {
        Rec r = model.get(k);
        boolean seederWins = r != null && r.tick == tick && !r.seeder && (flags & ChangeBuffer.SEEDER) != 0
            && (flags & ChangeBuffer.STOPPED) == 0; // a tie between a leecher here and a seeder there
        if (r != null && r.origin < 0 && !seederWins
            && ((r.tick - tick) & PeerStore.TICK_MASK) < (PeerStore.TICK_MASK + 1) / 2) {
            return; // a local announce as new or newer wins
        }
        if ((flags & ChangeBuffer.STOPPED) != 0) {
            model.remove(k);
        } else {
            model.put(k, new Rec((flags & ChangeBuffer.SEEDER) != 0, tick, origin));
        }
    }

    /** A batch of {@code n} changes from {@code origin} at ticks around {@code tick}. */
    private void remoteBatch(int origin, int n, int tick) {
        ChangeBuffer batch = new ChangeBuffer(6 * n);
        for (int i = 0; i < n; i++) {
            int flags = (random.nextInt(3) == 0 ? ChangeBuffer.SEEDER : 0)
                | (random.nextInt(10) == 0 ? ChangeBuffer.STOPPED : 0)
                | (random.nextInt(20) == 0 ? ChangeBuffer.COMPLETED : 0);
            int changeTick = tick - random.nextInt(2);
            if (random.nextInt(8) == 0) { // a WebTorrent peer: keyed by peer id, in the WS swarms
                WsClusterShardTest.remote(batch, random.nextInt(TORRENTS), random.nextInt(HOSTS), flags, changeTick);
                continue;
            }
            Key k = randomKey();
            add(batch, k, flags, changeTick);
            modelRemote(k, flags, changeTick, origin);
        }
        batched.applyRemote(batch, origin);
        ClusterShardTest.applyOneByOne(oneByOne, batch, origin);
    }

    /** {@code n} local announces at {@code tick}: each takes its peer over (it is local from then on). */
    private void localAnnounces(int n, int tick) {
        for (int i = 0; i < n; i++) {
            Key k = randomKey();
            int event = switch (random.nextInt(10)) {
                case 0 -> SwarmShardTest.EVENT_STOPPED;
                case 1 -> SwarmShardTest.EVENT_COMPLETED;
                default -> SwarmShardTest.EVENT_NONE;
            };
            boolean seeder = random.nextInt(3) == 0;
            for (SwarmShard s : new SwarmShard[] {batched, oneByOne}) {
                helper.announce(s, k.torrent, k.ipv6, k.host, k.port, event, seeder, 0, tick);
            }
            if (event == SwarmShardTest.EVENT_STOPPED) {
                model.remove(k);
            } else {
                model.put(k, new Rec(seeder || event == SwarmShardTest.EVENT_COMPLETED, tick, -1));
            }
        }
    }

    private void modelExpire(int tick) {
        model.values().removeIf(r -> ((tick - r.tick) & PeerStore.TICK_MASK) >= TIMEOUT_TICKS);
    }

    private static void clean(SwarmShard s, int tick) {
        int slices = 0;
        while (!s.cleanSlice(tick, 50)) assertTrue(++slices < 100_000, "bounded");
    }

    /** Every peer of the shard as "key seeder age", from a snapshot export (all, or local only). */
    private static TreeSet<String> export(SwarmShard s, int tick, boolean localOnly) {
        TreeSet<String> out = new TreeSet<>();
        SwarmSnapshotSink sink = new SwarmSnapshotSink() {
            int torrent;

            @Override
            public void torrent(long h0, long h1, int h2, int completed, int emptyForSeconds, int ipv4Peers,
                                int ipv6Peers) {
                torrent = h2;
            }

            @Override
            public void ipv4Peer(int address, int port, boolean seeder, int ageSeconds) {
                out.add(new Key(torrent, false, address - (10 << 24), port) + " " + seeder + " " + ageSeconds);
            }

            @Override
            public void ipv6Peer(long address0, long address1, int port, boolean seeder, int ageSeconds) {
                out.add(new Key(torrent, true, (int) address1, port) + " " + seeder + " " + ageSeconds);
            }

            @Override
            public void detached(DetachedTorrent torrent) {
                while (torrent.filterPending() && !torrent.filterRemote(s, 1000)) {
                    // bounded by the torrent's peers
                }
                torrent.writeTo(this);
            }
        };
        for (int seg = 0; seg >= 0; ) {
            seg = localOnly ? s.exportLocalSlice(seg, 1 << 20, tick, sink) : s.exportSlice(seg, 1 << 20, tick, sink);
        }
        return out;
    }

    private TreeSet<String> modelPeers(int tick, boolean localOnly) {
        TreeSet<String> out = new TreeSet<>();
        model.forEach((k, r) -> {
            if (!localOnly || r.origin < 0) {
                out.add(k + " " + r.seeder + " " + ((tick - r.tick) & PeerStore.TICK_MASK) * PeerStore.TICK_SECONDS);
            }
        });
        return out;
    }

    private static String counts(SwarmShard s) {
        TreeMap<Long, String> torrents = new TreeMap<>();
        s.forEachTorrent((h0, h1, h2, seeders, completed, leechers) -> {
            torrents.put(h0, seeders + "/" + completed + "/" + leechers);
            return true;
        });
        return s.peers(false) + " " + s.peers(true) + " " + s.seeders(false) + " " + s.seeders(true) + " "
            + s.wsPeers() + " " + s.wsSeeders() + " " + torrents;
    }

    private void check(String when, int tick) {
        assertEquals(counts(oneByOne), counts(batched), when + ": batched vs one by one");
        assertEquals(modelPeers(tick, false), export(batched, tick, false), when + ": every peer");
        assertEquals(modelPeers(tick, true), export(batched, tick, true), when + ": local peers (snapshot export)");
        assertEquals(modelPeers(tick, true), export(oneByOne, tick, true), when + ": local peers, one by one");
        long remote = model.values().stream().filter(r -> r.origin >= 0).count();
        assertEquals(remote, batched.remotePeers(), when + ": remote entries");
        assertEquals(remote, oneByOne.remotePeers(), when + ": remote entries, one by one");
        model.forEach((k, r) -> assertEquals(r.origin >= 0, batched.isRemotePeer(0x1111_0000_0000_0000L + k.torrent,
            k.torrent * 31L, k.torrent, k.ipv6, k.ipv6 ? 0x2001_0db8_0000_0000L : 0, k.ipv6 ? k.host : 0,
            ChangeBuffer.keyWord(k.ipv6, (10L << 24) + k.host, k.port)), when + ": " + k + " found by its entry hash"));
    }

    @Test
    void batchesShouldMatchTheModelThroughGrowthLocalTakeoverDropAndExpiry() {
        int tick = 100;
        // batches big enough to grow the side tables' segments (16 slots each at first) mid-batch
        remoteBatch(1, 4000, tick);
        check("first batch", tick);
        localAnnounces(300, tick); // same tick as many remote changes: those stay remote-newer or become local
        remoteBatch(2, 4000, tick);
        localAnnounces(300, tick + 1);
        remoteBatch(3, 3000, tick + 1);
        check("three origins", tick + 1);

        batched.dropOrigin(2);
        oneByOne.dropOrigin(2);
        remoteBatch(1, 2000, tick + 2); // a batch between the drop and its walk
        model.values().removeIf(r -> r.origin == 2);
        clean(batched, tick + 2);
        clean(oneByOne, tick + 2);
        check("origin 2 dropped", tick + 2);

        tick += TIMEOUT_TICKS + 1; // the first batches' peers expire, remote entries with them
        remoteBatch(3, 1000, tick);
        localAnnounces(100, tick);
        modelExpire(tick);
        clean(batched, tick);
        clean(oneByOne, tick);
        check("expired", tick);
        assertTrue(batched.remotePeers() > 500 && batched.peers(true) > 100, counts(batched));
    }
}
