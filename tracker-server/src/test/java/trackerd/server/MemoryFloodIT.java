package trackerd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 10: announces for random info hashes, from one address and from many (127.1.x.y: Linux
 * routes all of 127/8 to loopback), against the daemon with {@code -Xmx256m} and the default
 * limits. The tracker must refuse what is past its bounds with BEP 15 errors, count it, stay up,
 * and keep answering the swarm it held before.
 */
@Timeout(150)
class MemoryFloodIT {
    static final int WINDOW = 128;
    static final byte[] RESIDENT = new byte[20];

    static {
        RESIDENT[0] = 0x7E;
    }

    private final HttpClient http = HttpClient.newHttpClient();
    private final Random random = new Random(10);

    /** What the flood's announces got back. */
    static final class Outcomes {
        int ok;
        int tooManyTorrents;
        int tooManyNewTorrents;
        int otherErrors;
        int lost;
        String lastOtherError = "";

        @Override
        public String toString() {
            return "ok " + ok + ", too many torrents " + tooManyTorrents + ", too many new torrents "
                + tooManyNewTorrents + ", other errors " + otherErrors + " (" + lastOtherError + "), lost " + lost;
        }
    }

    /** A BEP 15 client bound to one source address, sending announces with a window in flight. */
    static final class Source implements AutoCloseable {
        final DatagramSocket socket;
        final InetSocketAddress tracker;
        long connectionId;
        int transaction;
        final byte[] in = new byte[2048];

        Source(InetAddress address, InetSocketAddress tracker) throws IOException {
            this.tracker = tracker;
            socket = new DatagramSocket(new InetSocketAddress(address, 0));
            socket.setSoTimeout(2_000);
            socket.send(packet(ByteBuffer.allocate(16).putLong(0x41727101980L).putInt(0).putInt(++transaction)));
            ByteBuffer reply = receive();
            assertEquals(0, reply.getInt(0), "connect reply");
            connectionId = reply.getLong(8);
        }

        DatagramPacket packet(ByteBuffer b) {
            return new DatagramPacket(b.array(), b.position(), tracker);
        }

        ByteBuffer receive() throws IOException {
            DatagramPacket p = new DatagramPacket(in, in.length);
            socket.receive(p);
            return ByteBuffer.wrap(in, 0, p.getLength());
        }

        void sendAnnounce(byte[] infoHash, long left, int port) throws IOException {
            socket.send(packet(ByteBuffer.allocate(98).putLong(connectionId).putInt(1).putInt(++transaction)
                .put(infoHash).put(new byte[20]).putLong(0).putLong(left).putLong(0).putInt(2).putInt(0).putInt(0)
                .putInt(50).putShort((short) port)));
        }

        ByteBuffer announce(byte[] infoHash, long left, int port) throws IOException {
            sendAnnounce(infoHash, left, port);
            return receive();
        }

        /** Announces {@code count} new random info hashes, at most {@link #WINDOW} unanswered. */
        void flood(int count, Random random, Outcomes out) throws IOException {
            byte[] hash = new byte[20];
            int sent = 0;
            int pending = 0;
            while (sent < count || pending > 0) {
                while (sent < count && pending < WINDOW) {
                    random.nextBytes(hash);
                    sendAnnounce(hash, 1000, 6881);
                    sent++;
                    pending++;
                }
                ByteBuffer reply;
                try {
                    reply = receive();
                } catch (SocketTimeoutException e) {
                    out.lost += pending; // dropped somewhere: give up on them
                    pending = 0;
                    continue;
                }
                pending--;
                if (reply.getInt(0) == 1) {
                    out.ok++;
                    continue;
                }
                String text = new String(in, 8, reply.limit() - 8, StandardCharsets.US_ASCII);
                if (text.equals("tracker is full: too many torrents")) out.tooManyTorrents++;
                else if (text.equals("too many new torrents from this address: try again later")) out.tooManyNewTorrents++;
                else {
                    out.otherErrors++;
                    out.lastOtherError = text;
                }
            }
        }

        @Override
        public void close() {
            socket.close();
        }
    }

    static InetAddress loopback(int a, int b, int c) throws IOException {
        return InetAddress.getByAddress(new byte[] {127, (byte) a, (byte) b, (byte) c});
    }

    /** A seeder and a leecher on one torrent before the flood. */
    static Source[] residentSwarm(InetSocketAddress tracker) throws IOException {
        Source seeder = new Source(loopback(0, 0, 1), tracker);
        Source leecher = new Source(loopback(0, 0, 2), tracker);
        assertEquals(1, seeder.announce(RESIDENT, 0, 1111).getInt(0));
        assertEquals(1, leecher.announce(RESIDENT, 1000, 2222).getInt(0));
        return new Source[] {seeder, leecher};
    }

    /** After the flood the leecher still gets its swarm: one seeder, itself, and the seeder's address. */
    static void assertResidentSwarmServed(Source[] swarm) throws IOException {
        ByteBuffer reply = swarm[1].announce(RESIDENT, 1000, 2222);
        assertEquals(1, reply.getInt(0), "announce reply for the resident swarm");
        assertEquals(1, reply.getInt(12), "leechers");
        assertEquals(1, reply.getInt(16), "seeders");
        assertEquals(26, reply.limit(), "one peer");
        assertEquals(0x7F000001, reply.getInt(20), "the seeder's address");
        assertEquals(1111, reply.getShort(24));
        for (Source s : swarm) s.close();
    }

    @Test
    void floodFromOneAddressShouldBeHeldToItsNewTorrentBudget() throws Exception {
        try (TrackerProcess tracker = TrackerProcess.startOnLoopback()) {
            InetSocketAddress udp = new InetSocketAddress("127.0.0.1", tracker.port("udp"));
            Source[] swarm = residentSwarm(udp);
            Outcomes out = new Outcomes();
            try (Source flooder = new Source(loopback(0, 0, 9), udp)) {
                flooder.flood(5_000, random, out);
            }
            // the burst of 1,000, plus at most a few ticks' refill (10 a second)
            assertTrue(out.ok >= 1_000 - out.lost && out.ok <= 1_100, out.toString());
            assertTrue(out.tooManyNewTorrents >= 3_900 - out.lost, out.toString());
            assertEquals(0, out.otherErrors + out.tooManyTorrents, out.toString());
            assertResidentSwarmServed(swarm);
            awaitMetric(tracker, "tracker_swarm_rejected_total\\{limit=\"new_torrents_per_address\"\\}",
                out.tooManyNewTorrents);
            awaitMetric(tracker, "tracker_errors_total\\{protocol=\"udp\",reason=\"too_many_new_torrents\"\\}",
                out.tooManyNewTorrents);
            assertTrue(metric(tracker, "tracker_torrents\\{swarm_kind=\"bittorrent\"\\}") <= 1_101);
        }
    }

    @Test
    void floodFromManyAddressesShouldStopAtTheHeapDerivedBoundAndKeepServing() throws Exception {
        try (TrackerProcess tracker = TrackerProcess.startOnLoopback()) {
            Matcher limits = tracker.await(Pattern.compile(
                "limits for a (\\d+) MiB heap: max_torrents ([\\d,]+) \\(derived\\)"), Duration.ofSeconds(5));
            int heapMib = Integer.parseInt(limits.group(1));
            int maxTorrents = Integer.parseInt(limits.group(2).replace(",", ""));
            assertTrue(heapMib <= 256 && maxTorrents > 500_000 && maxTorrents <= 671_088, limits.group());

            InetSocketAddress udp = new InetSocketAddress("127.0.0.1", tracker.port("udp"));
            Source[] swarm = residentSwarm(udp);
            Outcomes out = new Outcomes();
            // each address may create its burst of 1,000: it takes maxTorrents / 1,000 of them
            int addresses = maxTorrents / 1_000 + 20;
            for (int a = 0; a < addresses && out.tooManyTorrents < 2_000; a++) {
                try (Source source = new Source(loopback(1, a >> 8, a & 0xFF), udp)) {
                    source.flood(1_000, random, out);
                }
            }
            assertTrue(out.tooManyTorrents >= 2_000, out.toString());
            assertTrue(out.ok <= maxTorrents - 1 && out.ok + out.lost >= maxTorrents - 1, out.toString());
            assertEquals(0, out.otherErrors, out.toString());

            assertResidentSwarmServed(swarm);
            assertTrue(tracker.lines().stream().noneMatch(line -> line.contains("OutOfMemoryError")),
                tracker.output());
            awaitMetric(tracker, "tracker_torrents\\{swarm_kind=\"bittorrent\"\\}", maxTorrents);
            awaitMetric(tracker, "tracker_swarm_rejected_total\\{limit=\"max_torrents\"\\}", out.tooManyTorrents);
            awaitMetric(tracker, "tracker_errors_total\\{protocol=\"udp\",reason=\"too_many_torrents\"\\}", out.tooManyTorrents);
        }
    }

    private void awaitMetric(TrackerProcess tracker, String name, double expected) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        double value;
        do {
            value = metric(tracker, name);
            if (value == expected) return;
            Thread.onSpinWait();
        } while (System.nanoTime() < deadline);
        throw new AssertionError(name + " stayed at " + value + ", expected " + expected);
    }

    private double metric(TrackerProcess tracker, String name) throws Exception {
        URI uri = URI.create("http://127.0.0.1:" + tracker.port("metrics") + "/metrics");
        String body = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
            HttpResponse.BodyHandlers.ofString()).body();
        Matcher m = Pattern.compile("(?m)^" + name + " (\\S+)$").matcher(body);
        if (!m.find()) throw new AssertionError("no metric " + name);
        return Double.parseDouble(m.group(1));
    }
}
