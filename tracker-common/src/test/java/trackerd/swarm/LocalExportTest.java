package trackerd.swarm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A cluster node's snapshot of its own peers ({@link SwarmShard#exportLocalSlice}): remote peers
 * left out, torrents with only remote peers left out, a huge torrent copied with its local peers
 * only; and {@link SwarmShard#raiseCompleted}.
 */
class LocalExportTest {
    static final int A = 1;

    final SwarmShard shard = new SwarmShard(SwarmShardTest.settings(1000, 1000), 1);
    final SwarmShardTest helper = new SwarmShardTest();

    void local(int torrent, int host, boolean ipv6, boolean seeder) {
        helper.announce(shard, torrent, ipv6, host, 6881, SwarmShardTest.EVENT_STARTED, seeder, -1, 10);
    }

    void remote(int torrent, int host, boolean ipv6, int flags) {
        ChangeBuffer batch = new ChangeBuffer(16);
        long a0 = ipv6 ? 0x2001_0db8_0000_0000L : (10L << 24) + host;
        batch.add(0x1111_0000_0000_0000L + torrent, torrent * 31L, torrent, flags | (ipv6 ? ChangeBuffer.IPV6 : 0), 10,
            ChangeBuffer.keyWord(ipv6, a0, 6881), ipv6 ? a0 : 0, ipv6 ? host : 0);
        shard.applyRemote(batch, A);
    }

    /** Records what an export wrote, detached torrents written out at once. */
    static class Recorder implements SwarmSnapshotSink {
        final List<String> records = new ArrayList<>();
        int detached;

        @Override
        public void torrent(long h0, long h1, int h2, int completed, int emptyFor, int ipv4Peers, int ipv6Peers) {
            records.add("t" + h2 + " c" + completed + " " + ipv4Peers + "+" + ipv6Peers);
        }

        @Override
        public void ipv4Peer(int address, int port, boolean seeder, int ageSeconds) {
            records.add("  4:" + (address & 0xFF) + (seeder ? " S" : " L") + " age " + ageSeconds);
        }

        @Override
        public void ipv6Peer(long address0, long address1, int port, boolean seeder, int ageSeconds) {
            records.add("  6:" + address1 + (seeder ? " S" : " L") + " age " + ageSeconds);
        }

        @Override
        public void detached(DetachedTorrent torrent) {
            detached++;
            torrent.writeTo(this);
        }
    }

    Recorder export(int budget) {
        Recorder out = new Recorder();
        int next = 0;
        for (int i = 0; i < 10_000 && next >= 0; i++) next = shard.exportLocalSlice(next, budget, 12, out);
        assertEquals(-1, next, "the export ends");
        return out;
    }

    @Test
    void shouldWriteOnlyThisNodesPeersAndTheirTorrents() {
        local(1, 1, false, true);
        remote(1, 2, false, 0);
        local(1, 3, true, false);
        remote(1, 4, true, ChangeBuffer.SEEDER);
        remote(2, 5, false, ChangeBuffer.SEEDER | ChangeBuffer.COMPLETED); // only remote peers: left out
        Recorder out = export(16_384);
        assertEquals(List.of("t1 c0 1+1", "  4:1 S age 8", "  6:3 L age 8"), out.records);
        assertEquals(0, out.detached);
        assertEquals(3, shard.remotePeers(), "the export changes nothing");
    }

    @Test
    void withoutRemotePeersShouldWriteWhatExportSliceWrites() {
        local(1, 1, false, false);
        local(3, 2, true, true);
        Recorder all = new Recorder();
        for (int next = 0, i = 0; next >= 0 && i < 10_000; i++) next = shard.exportSlice(next, 16_384, 12, all);
        assertEquals(all.records, export(16_384).records);
    }

    @Test
    void aHugeTorrentShouldBeCopiedWholeThenFilteredInChunks() {
        for (int host = 1; host <= 40; host++) {
            if (host % 2 == 0) remote(7, host, false, 0);
            else local(7, host, false, host == 1);
        }
        remote(7, 41, true, 0);
        List<DetachedTorrent> copies = new ArrayList<>();
        Recorder out = new Recorder() {
            @Override
            public void detached(DetachedTorrent torrent) {
                copies.add(torrent);
            }
        };
        for (int next = 0, i = 0; next >= 0 && i < 10_000; i++) next = shard.exportLocalSlice(next, 32, 12, out);
        assertEquals(1, copies.size(), "41 peers > 32 / 4: copied, not encoded in the slice");
        DetachedTorrent copy = copies.get(0);
        assertTrue(copy.filterPending());
        assertThrows(IllegalStateException.class, () -> copy.writeTo(new Recorder()), "never written unfiltered");
        int chunks = 0;
        while (!copy.filterRemote(shard, 5)) chunks++;
        assertTrue(chunks >= 8, "in chunks of 5 records: " + chunks);
        Recorder written = new Recorder();
        copy.writeTo(written);
        assertEquals("t7 c0 20+0", written.records.get(0));
        assertEquals(21, written.records.size());
        assertTrue(written.records.subList(1, 21).stream().allMatch(r -> Integer.parseInt(r.split("[: ]")[3]) % 2 == 1),
            "odd hosts only: " + written.records);
        assertEquals(1, written.records.stream().filter(r -> r.contains(" S ")).count());
        assertEquals(41, shard.remotePeers() + 20, "the shard itself is untouched");
    }

    @Test
    void raiseCompletedShouldOnlyRaise() {
        remote(2, 5, false, ChangeBuffer.SEEDER | ChangeBuffer.COMPLETED);
        shard.raiseCompleted(0x1111_0000_0000_0002L, 62, 2, 7);
        shard.raiseCompleted(0x1111_0000_0000_0002L, 62, 2, 3);
        shard.raiseCompleted(0x1111_0000_0000_0009L, 9 * 31L, 9, 3); // not held: nothing
        SwarmRequest r = helper.announce(shard, 2, false, 250, 6881, SwarmShardTest.EVENT_NONE, false, -1, 10);
        assertEquals(7, r.completed);
        assertEquals(1, shard.torrents());
    }
}
