package trackerd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import trackerd.state.SnapshotCodec;
import trackerd.state.SnapshotFile;
import trackerd.swarm.SwarmSnapshotSink;

/**
 * Restarts of the real daemon with {@code state.path} set (issue 13): what clients saw before
 * a {@code kill -TERM} they see after the next start (peers by announce replies, counts by
 * scrape, completed counts of an empty swarm, connection ids), and bad or unwritable snapshots
 * never stop a start or the exit code 0.
 */
@Timeout(120)
class StateRestartIT {
    private static final Duration WAIT = Duration.ofSeconds(20);
    static final byte[] SWARM = hash(0x11);
    static final byte[] EMPTIED = hash(0x22);

    @TempDir
    Path dir;

    static byte[] hash(int b) {
        byte[] h = new byte[20];
        Arrays.fill(h, (byte) b);
        return h;
    }

    TrackerProcess start(Path state, String... extra) throws IOException {
        List<String> args = new ArrayList<>(List.of("--set", "state.path=\"" + state + "\""));
        args.addAll(List.of(extra));
        return TrackerProcess.startOnLoopback(args.toArray(String[]::new));
    }

    static void stop(TrackerProcess tracker) throws Exception {
        tracker.signal("TERM");
        assertEquals(0, tracker.waitForExit(WAIT), tracker.output());
    }

    /** A BEP 15 client on 127.0.0.1; every peer it announces differs by its port field. */
    static final class Client implements AutoCloseable {
        final DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        InetSocketAddress tracker;
        long connectionId;
        int transaction = 1;

        Client(int port) throws IOException {
            tracker = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
            socket.setSoTimeout(2_000);
        }

        ByteBuffer exchange(ByteBuffer request) throws IOException {
            for (int attempt = 0; attempt < 5; attempt++) { // UDP on loopback: resend on loss, bounded
                socket.send(new DatagramPacket(request.array(), request.position(), tracker));
                byte[] buffer = new byte[2048];
                DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
                try {
                    socket.receive(packet);
                } catch (SocketTimeoutException e) {
                    continue;
                }
                return ByteBuffer.wrap(buffer, 0, packet.getLength()).slice();
            }
            return null;
        }

        long connect() throws IOException {
            ByteBuffer reply = exchange(ByteBuffer.allocate(16).putLong(0x41727101980L).putInt(0).putInt(transaction++));
            assertEquals(0, reply.getInt(0), "connect");
            connectionId = reply.getLong(8);
            return connectionId;
        }

        /** BEP 15 announce; null when no answer comes (e.g. a refused connection id). */
        ByteBuffer announce(byte[] infoHash, int port, int event, long left) throws IOException {
            ByteBuffer request = ByteBuffer.allocate(98).putLong(connectionId).putInt(1).putInt(transaction++)
                .put(infoHash).put(hash(port)).putLong(0).putLong(left).putLong(0).putInt(event).putInt(0).putInt(0)
                .putInt(50).putShort((short) port);
            return exchange(request);
        }

        /** seeders, completed, leechers per hash. */
        List<List<Integer>> scrape(byte[]... hashes) throws IOException {
            ByteBuffer request = ByteBuffer.allocate(16 + 20 * hashes.length).putLong(connectionId).putInt(2)
                .putInt(transaction++);
            for (byte[] h : hashes) request.put(h);
            ByteBuffer reply = exchange(request);
            assertEquals(2, reply.getInt(0), "scrape reply");
            List<List<Integer>> out = new ArrayList<>();
            for (int i = 0; i < hashes.length; i++) {
                out.add(List.of(reply.getInt(8 + 12 * i), reply.getInt(12 + 12 * i), reply.getInt(16 + 12 * i)));
            }
            return out;
        }

        @Override
        public void close() {
            socket.close();
        }
    }

    /** "seeders/leechers [port, port...]" of an announce reply. */
    static String swarmSeen(ByteBuffer reply) {
        assertEquals(1, reply.getInt(0), "an announce reply");
        Set<Integer> ports = new TreeSet<>();
        for (int at = 20; at + 6 <= reply.limit(); at += 6) ports.add(reply.getShort(at + 4) & 0xFFFF);
        return reply.getInt(16) + "/" + reply.getInt(12) + " " + ports;
    }

    /** Three peers on SWARM (one completed), and EMPTIED: completed once, then its only peer left. */
    static void populate(Client client) throws IOException {
        client.connect();
        client.announce(SWARM, 7001, 2, 100);
        client.announce(SWARM, 7002, 2, 100);
        client.announce(SWARM, 7002, 1, 0); // completed: a seeder and one download
        client.announce(SWARM, 7003, 2, 100);
        client.announce(EMPTIED, 7004, 1, 0);
        client.announce(EMPTIED, 7004, 3, 0); // stopped: the swarm is empty, its download stays
    }

    @Test
    void restartShouldKeepPeersCountsAndConnectionIds() throws Exception {
        Path state = dir.resolve("state"); // made by the tracker
        String seenBefore;
        List<List<Integer>> countsBefore;
        long idBefore;
        try (TrackerProcess first = start(state); Client client = new Client(first.port("udp"))) {
            populate(client);
            idBefore = client.connectionId;
            seenBefore = swarmSeen(client.announce(SWARM, 7001, 0, 100));
            countsBefore = client.scrape(SWARM, EMPTIED);
            assertEquals("1/2 [7002, 7003]", seenBefore);
            assertEquals(List.of(List.of(1, 1, 2), List.of(0, 1, 0)), countsBefore);
            stop(first);
            first.await(Pattern.compile("state: saved 2 torrents and 3 peers"), WAIT);
        }
        assertEquals("rw-------", PosixFilePermissions.toString(
            Files.getPosixFilePermissions(state.resolve(Daemon.CONNECTION_ID_KEY_FILE))));
        assertEquals("rw-------", PosixFilePermissions.toString(
            Files.getPosixFilePermissions(state.resolve(SnapshotFile.NAME))));

        try (TrackerProcess second = start(state); Client client = new Client(second.port("udp"))) {
            second.await(Pattern.compile("state: restored 2 torrents and 3 peers"), WAIT);
            client.connectionId = idBefore; // issued by the first process: still valid
            ByteBuffer reply = client.announce(SWARM, 7001, 0, 100);
            assertTrue(reply != null, "an id from before the restart is accepted");
            assertEquals(seenBefore, swarmSeen(reply), "the same swarm, by announce reply");
            assertEquals(countsBefore, client.scrape(SWARM, EMPTIED), "the same counts, by scrape");
            client.connectionId = idBefore ^ 1; // a forged one is still refused
            assertEquals(null, client.announce(SWARM, 7001, 0, 100));
            stop(second);
        }
    }

    /** With workers.swarm_workers = 0 the shard runs on the event loop: saving and loading go through it too. */
    @Test
    void inlineEngineShouldSaveAndLoadAsWell() throws Exception {
        Path state = dir.resolve("state");
        String[] inline = {"--set", "workers.swarm_workers=0", "--set", "workers.socket_workers=1"};
        try (TrackerProcess first = start(state, inline); Client client = new Client(first.port("udp"))) {
            populate(client);
            stop(first);
            first.await(Pattern.compile("state: saved 2 torrents and 3 peers"), WAIT);
        }
        try (TrackerProcess second = start(state, inline); Client client = new Client(second.port("udp"))) {
            client.connect();
            assertEquals(List.of(List.of(1, 1, 2), List.of(0, 1, 0)), client.scrape(SWARM, EMPTIED));
            stop(second);
        }
    }

    /** Makes a good snapshot with a real tracker: two torrents, three peers. */
    Path goodSnapshot(Path state) throws Exception {
        try (TrackerProcess tracker = start(state); Client client = new Client(tracker.port("udp"))) {
            populate(client);
            stop(tracker);
        }
        return state.resolve(SnapshotFile.NAME);
    }

    @Test
    void truncatedCorruptAndOldVersionSnapshotsShouldBeMovedAsideAndTheTrackerStartEmpty() throws Exception {
        Path state = dir.resolve("state");
        byte[] good = Files.readAllBytes(goodSnapshot(state));
        byte[] corrupt = good.clone();
        corrupt[SnapshotCodec.HEADER_BYTES + SnapshotCodec.BLOCK_HEADER_BYTES + 3] ^= 0x01; // an info hash bit
        byte[] oldVersion = good.clone();
        oldVersion[9] = 0;
        Object[][] cases = {
            {Arrays.copyOf(good, good.length - 10), "truncated"},
            {corrupt, "corrupt"},
            {oldVersion, "unknown-version"}};
        for (Object[] c : cases) {
            Files.write(state.resolve(SnapshotFile.NAME), (byte[]) c[0]);
            try (TrackerProcess tracker = start(state); Client client = new Client(tracker.port("udp"))) {
                tracker.await(Pattern.compile("state: snapshot .* refused, .*moved aside to .*swarms\\.snapshot\\."
                    + c[1] + "-\\d+, the swarms start empty"), WAIT);
                client.connect();
                assertEquals(List.of(List.of(0, 0, 0)), client.scrape(SWARM), "started empty after a " + c[1] + " file");
                client.announce(SWARM, 7009, 2, 100);
                stop(tracker); // exit 0, and a new snapshot replaces nothing bad
                tracker.await(Pattern.compile("state: saved 1 torrents and 1 peers"), WAIT);
            }
            try (Stream<Path> files = Files.list(state)) {
                assertTrue(files.anyMatch(f -> f.getFileName().toString().startsWith(SnapshotFile.NAME + "." + c[1])),
                    c[1] + " file kept aside for the operator");
            }
            assertEquals(1, countTorrents(state.resolve(SnapshotFile.NAME)));
        }
    }

    /** Torrents in a snapshot, or -1 when it does not load. */
    static long countTorrents(Path file) throws IOException {
        SnapshotFile.LoadResult result = SnapshotFile.load(file, System.currentTimeMillis() / 1000, NOWHERE);
        return result.status() == SnapshotCodec.Status.OK ? result.torrents() : -1;
    }

    static final SwarmSnapshotSink NOWHERE = new SwarmSnapshotSink() {
        @Override
        public void torrent(long h0, long h1, int h2, int completed, int emptyFor, int n4, int n6) {}

        @Override
        public void ipv4Peer(int address, int port, boolean seeder, int age) {}

        @Override
        public void ipv6Peer(long a0, long a1, int port, boolean seeder, int age) {}
    };

    /**
     * The state directory on a 256 KiB tmpfs of the tracker's own mount namespace, filled up
     * between two saves: the failed save must leave the first snapshot whole, and the stop
     * still exits 0. Needs root (unshare -m); the test reaches the tmpfs through
     * /proc/PID/root, the tracker's view of the file system.
     */
    @Test
    void fullDiskDuringSaveShouldKeepTheOldSnapshot() throws Exception {
        Path mount = dir.resolve("small");
        Files.createDirectories(mount);
        assumeTrue(canMountTmpfs(mount), "skipped: no mount namespace here (unshare -m and mount need root)");
        List<String> wrapper = List.of("unshare", "-m", "sh", "-c",
            "mount -t tmpfs -o size=256k tmpfs \"$0\" && exec \"$@\"", mount.toString());
        List<String> args = new ArrayList<>(TrackerProcess.LOOPBACK);
        args.addAll(List.of("--set", "state.path=\"" + mount + "\"", "--set", "state.save_interval_seconds=1"));
        try (TrackerProcess tracker = TrackerProcess.startWith(wrapper, List.of(), args);
             Client client = new Client(tracker.port("udp"))) {
            Path inside = Path.of("/proc", Long.toString(tracker.pid()), "root").resolve(mount.toString().substring(1));
            client.connect();
            client.announce(SWARM, 7001, 2, 100);
            tracker.await(Pattern.compile("state: saved 1 torrents and 1 peers"), WAIT);
            try (OutputStream filler = Files.newOutputStream(inside.resolve("filler"))) {
                byte[] block = new byte[4096];
                for (int i = 0; i < 1024; i++) filler.write(block); // at most 4 MiB: the 256 KiB fill up first
                throw new AssertionError("the tmpfs did not fill up");
            } catch (IOException full) {
                assertTrue(full.getMessage().contains("No space left"), full.toString());
            }
            for (int port = 7002; port < 7012; port++) client.announce(SWARM, port, 2, 100);
            tracker.await(Pattern.compile("state: saving .* failed \\(.*No space left on device"), WAIT);
            assertEquals(1, countTorrents(inside.resolve(SnapshotFile.NAME)), "the first snapshot, whole");
            // saves go on every second, each failing: between two, no half-written temp file is left
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (Files.exists(inside.resolve(SnapshotFile.NAME + ".tmp"))) {
                assertTrue(System.nanoTime() < deadline, "a failed save left its temp file behind");
                java.util.concurrent.locks.LockSupport.parkNanos(10_000_000);
            }
            stop(tracker);
        }
    }

    private static boolean canMountTmpfs(Path dir) throws Exception {
        try {
            Process p = new ProcessBuilder("unshare", "-m", "mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs",
                dir.toString()).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor() == 0;
        } catch (IOException e) {
            return false;
        }
    }
}
