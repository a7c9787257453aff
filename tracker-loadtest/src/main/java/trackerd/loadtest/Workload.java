package trackerd.loadtest;

import com.fasterxml.jackson.core.io.SerializedString;
import java.util.SplittableRandom;
import trackerd.net.InfoHashes;

/**
 * The simulated population: torrents with info hashes derived from their rank, popularity by
 * Zipf's law, and a pool of peers each bound to one torrent drawn by popularity (so swarm sizes
 * stay as skewed and as bounded as on a real tracker). Immutable after construction: workers
 * share it and draw requests from their own {@link SplittableRandom}.
 */
final class Workload {
    static final int CONNECT = 0;
    static final int ANNOUNCE = 1;
    static final int SCRAPE = 2;
    /** Peer ids of the udp and http modes: "-LT0001-" then the peer's index in 12 bytes. */
    static final long PEER_ID_PREFIX = 0x2D4C54303030312DL;
    /** Torrent ranks fit in 24 bits when some are own torrents: the tag goes above them. */
    static final int MAX_RANKS = 1 << 24;

    final LoadTestConfig.WorkloadConfig config;
    /** cumulative[r] = P(rank <= r); searched to draw a torrent. */
    private final double[] cumulative;
    private final int[] peerTorrent;
    private final SerializedString[] jsonNames;

    Workload(LoadTestConfig.WorkloadConfig config) {
        this.config = config;
        jsonNames = new SerializedString[config.torrents()];
        cumulative = new double[config.torrents()];
        double sum = 0;
        for (int r = 0; r < cumulative.length; r++) {
            sum += 1.0 / Math.pow(r + 1, config.zipfExponent());
            cumulative[r] = sum;
        }
        for (int r = 0; r < cumulative.length; r++) cumulative[r] /= sum;
        SplittableRandom random = new SplittableRandom(config.seed());
        peerTorrent = new int[config.peers()];
        for (int p = 0; p < peerTorrent.length; p++) peerTorrent[p] = torrent(random);
    }

    /**
     * The number behind a torrent rank's info hash ({@link #hash0} and the others): the rank
     * itself, or for one of this tester's own torrents the rank with the tag above its 24 bits.
     * Own ranks are spread evenly over the ranking (Bresenham: rank r is own when
     * floor((r + 1) p / 100) > floor(r p / 100)), so at 50 % every second rank from the second on
     * is own and the shared torrents keep a little over half of the announces.
     */
    int infoHashId(int rank) {
        int percent = config.ownTorrentsPercent();
        boolean own = percent > 0 && (long) (rank + 1) * percent / 100 > (long) rank * percent / 100;
        return own ? rank | (config.ownTorrentsTag() << 24) : rank;
    }

    /** A torrent drawn by popularity, as its {@link #infoHashId}. */
    int torrent(SplittableRandom random) {
        return infoHashId(rank(random));
    }

    private int rank(SplittableRandom random) {
        double u = random.nextDouble();
        int lo = 0;
        int hi = cumulative.length - 1;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (cumulative[mid] < u) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }

    /** Fills {@code into} with distinct torrents ({@link #infoHashId}s) drawn by popularity, as a client scrapes what it has. */
    void scrapeTorrents(SplittableRandom random, int[] into) {
        for (int i = 0; i < into.length; i++) {
            int rank = rank(random);
            while (contains(into, i, infoHashId(rank))) rank = (rank + 1) % cumulative.length;
            into[i] = infoHashId(rank);
        }
    }

    private static boolean contains(int[] values, int length, int value) {
        for (int i = 0; i < length; i++) {
            if (values[i] == value) return true;
        }
        return false;
    }

    int requestType(SplittableRandom random) {
        int total = config.connectWeight() + config.announceWeight() + config.scrapeWeight();
        int x = random.nextInt(total);
        if (x < config.connectWeight()) return CONNECT;
        return x < config.connectWeight() + config.announceWeight() ? ANNOUNCE : SCRAPE;
    }

    int peer(SplittableRandom random) {
        return random.nextInt(peerTorrent.length);
    }

    int torrentOf(int peer) {
        return peerTorrent[peer];
    }

    /** The port a peer announces; a peer is its port, since all share this machine's address. */
    static int port(int peer) {
        return 1 + peer;
    }

    boolean seeder(int peer) {
        return Math.floorMod(InfoHashes.mix(peer ^ config.seed()), 100) < config.seederPercent();
    }

    /** BEP 15 event numbering: 0 none, 1 completed, 2 started, 3 stopped. */
    int event(SplittableRandom random) {
        int x = random.nextInt(100);
        if (x < config.startedPercent()) return 2;
        x -= config.startedPercent();
        if (x < config.completedPercent()) return 1;
        x -= config.completedPercent();
        return x < config.stoppedPercent() ? 3 : 0;
    }

    static long hash0(int torrent) {
        return InfoHashes.synthetic(torrent, 0);
    }

    static long hash1(int torrent) {
        return InfoHashes.synthetic(torrent, 1);
    }

    static int hash2(int torrent) {
        return (int) InfoHashes.synthetic(torrent, 2);
    }

    /** The info hash as a binary string, one char per byte (WebTorrent JSON, bencode keys read as ISO-8859-1). */
    static String binary(int torrent) {
        char[] chars = new char[20];
        long[] words = {hash0(torrent), hash1(torrent), hash2(torrent) & 0xffffffffL};
        for (int i = 0; i < 20; i++) {
            int word = i < 8 ? 0 : i < 16 ? 1 : 2;
            int shift = word < 2 ? 56 - 8 * (i % 8) : 24 - 8 * (i - 16);
            chars[i] = (char) ((words[word] >>> shift) & 0xff);
        }
        return new String(chars);
    }

    /**
     * {@link #binary} as a JSON string value, made once per torrent and kept (jackson keeps its
     * quoted UTF-8 bytes): the ws mode writes the same few info hashes again and again. Filled
     * lazily from any load thread; a race only makes an equal copy.
     */
    SerializedString jsonBinary(int torrent) {
        SerializedString name = jsonNames[torrent];
        if (name == null) {
            name = new SerializedString(binary(torrent));
            name.asQuotedUTF8();
            jsonNames[torrent] = name;
        }
        return name;
    }

    static String hex(int torrent) {
        return InfoHashes.toHex(hash0(torrent), hash1(torrent), hash2(torrent));
    }
}
