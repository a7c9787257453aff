package trackerd.loadtest;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.SslContext;
import java.nio.charset.StandardCharsets;
import trackerd.config.ConfigException;

/**
 * One HTTP connection of a load worker: {@code GET /announce} and {@code GET /scrape} with the
 * info hash and peer id percent-encoded straight into the request buffer, and every reply
 * framed ({@link HttpReplyFramer}) and checked against its request ({@link HttpReplyChecker})
 * where it lies in the read buffer.
 */
final class HttpSession extends TcpSession implements HttpReplyFramer.Listener {
    private static final byte[] HEX = "0123456789ABCDEF".getBytes(StandardCharsets.US_ASCII);
    private static final String[] EVENTS = {"", "&event=completed", "&event=started", "&event=stopped"};
    private static final byte[] PEER_ID = ascii("&peer_id=");
    private static final byte[] PORT = ascii("&port=");
    private static final byte[] LEFT = ascii("&uploaded=0&downloaded=0&left=");
    private static final byte[] NUMWANT = ascii("&compact=1&numwant=");
    private static final byte[] INFO_HASH = ascii("&info_hash=");

    private final Workload workload;
    private final boolean keepAlive;
    private final byte[] announcePrefix;
    private final byte[] scrapePrefix;
    private final byte[] requestEnd;
    private final byte[][] events = new byte[EVENTS.length][];
    private final int[] scraped;
    private final HttpReplyChecker checker;
    /** The request being built: its longest form, a scrape of every hash (60 bytes escaped each). */
    private final byte[] requestBytes;
    private int type;

    private HttpSession(LoadWorker worker, SslContext ssl, Workload workload) throws ConfigException {
        super(worker, ssl);
        this.workload = workload;
        keepAlive = worker.config.http().keepAlive();
        String path = target.path("http");
        char join = path.indexOf('?') >= 0 ? '&' : '?';
        announcePrefix = ascii("GET " + path + join + "info_hash=");
        scrapePrefix = ascii("GET " + scrapePath(path) + join + "info_hash=");
        requestEnd = ascii(" HTTP/1.1\r\nHost: " + target.host() + "\r\n" + (keepAlive ? "" : "Connection: close\r\n") + "\r\n");
        for (int i = 0; i < EVENTS.length; i++) events[i] = ascii(EVENTS[i]);
        scraped = new int[workload.config.scrapeHashes()];
        checker = new HttpReplyChecker(workload.config.numwant(), scraped);
        requestBytes = new byte[announcePrefix.length + scrapePrefix.length + 512 + requestEnd.length
            + scraped.length * (INFO_HASH.length + 60)];
    }

    /** Adds the worker's HTTP sessions; they connect when the connect phase starts. */
    static void open(LoadWorker worker, Workload workload, SslContext ssl) throws ConfigException {
        if (workload.config.scrapeWeight() > 0 && scrapePath(worker.config.target().path("http")) == null) {
            throw new ConfigException("target.address", "the path has no \"announce\" to turn into \"scrape\" (BEP 48 "
                + "convention); set workload.scrape_weight = 0 to send announces only");
        }
        for (int i = 0; i < worker.config.http().connectionsPerWorker(); i++) {
            worker.add(new HttpSession(worker, ssl, workload));
        }
    }

    /** The scrape path by convention: the last "announce" of the path's last segment becomes "scrape". */
    static String scrapePath(String announcePath) {
        int query = announcePath.indexOf('?');
        String path = query < 0 ? announcePath : announcePath.substring(0, query);
        int slash = path.lastIndexOf('/');
        if (!path.startsWith("announce", slash + 1)) return null;
        return path.substring(0, slash + 1) + "scrape" + path.substring(slash + 9)
            + (query < 0 ? "" : announcePath.substring(query));
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    @Override
    void addHandlers(ChannelPipeline pipeline) {
        pipeline.addLast("http", new HttpReplyFramer(this));
    }

    @Override
    int newRequest(ByteBuf out, long now) {
        // built in an array and written at once: ByteBuf.writeByte per byte (bounds, capacity and
        // reference count checked each time) was the load tester's largest cost of a request
        byte[] to = requestBytes;
        int at;
        type = workload.requestType(random);
        if (type == Workload.ANNOUNCE) {
            int peer = workload.peer(random);
            int torrent = workload.torrentOf(peer);
            at = put(to, 0, announcePrefix);
            at = hash(to, at, torrent);
            at = put(to, at, PEER_ID);
            at = escape(to, at, Workload.PEER_ID_PREFIX, 8);
            at = escape(to, at, peer, 8);
            at = escape(to, at, peer, 4);
            at = put(to, at, PORT);
            at = decimal(to, at, Workload.port(peer));
            at = put(to, at, LEFT);
            at = decimal(to, at, workload.seeder(peer) ? 0 : 1_000_000);
            at = put(to, at, NUMWANT);
            at = decimal(to, at, workload.config.numwant());
            at = put(to, at, events[workload.event(random)]);
        } else {
            at = put(to, 0, scrapePrefix);
            workload.scrapeTorrents(random, scraped);
            for (int i = 0; i < scraped.length; i++) {
                if (i > 0) at = put(to, at, INFO_HASH);
                at = hash(to, at, scraped[i]);
            }
        }
        at = put(to, at, requestEnd);
        out.writeBytes(to, 0, at);
        return type;
    }

    private static int put(byte[] to, int at, byte[] bytes) {
        System.arraycopy(bytes, 0, to, at, bytes.length);
        return at + bytes.length;
    }

    private static int hash(byte[] to, int at, int torrent) {
        at = escape(to, at, Workload.hash0(torrent), 8);
        at = escape(to, at, Workload.hash1(torrent), 8);
        return escape(to, at, Workload.hash2(torrent), 4);
    }

    /**
     * The low {@code bytes} bytes of {@code word}, big-endian, percent-encoded (RFC 3986 unreserved
     * kept) into {@code to} from {@code at}; returns the index after them. Needs room for 3 bytes
     * per byte: each step writes three and moves on by one or three ({@link #ESCAPES}), without
     * the branch on the byte that random info-hash bytes mispredict.
     */
    static int escape(byte[] to, int at, long word, int bytes) {
        for (int shift = (bytes - 1) * 8; shift >= 0; shift -= 8) {
            int escaped = ESCAPES[(int) (word >>> shift) & 0xff];
            to[at] = (byte) escaped;
            to[at + 1] = (byte) (escaped >>> 8);
            to[at + 2] = (byte) (escaped >>> 16);
            at += escaped >>> 24;
        }
        return at;
    }

    /** Per byte value: its escaped form, up to 3 bytes from the low end, and its length in the top byte. */
    private static final int[] ESCAPES = new int[256];

    static {
        for (int b = 0; b < 256; b++) {
            boolean unreserved = (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9')
                || b == '-' || b == '.' || b == '_' || b == '~';
            ESCAPES[b] = unreserved ? 1 << 24 | b : 3 << 24 | HEX[b & 15] << 16 | HEX[b >>> 4] << 8 | '%';
        }
    }

    /** {@code value} >= 0 in decimal into {@code to} from {@code at}; returns the index after it. */
    static int decimal(byte[] to, int at, long value) {
        if (value >= 10) at = decimal(to, at, value / 10);
        to[at] = (byte) ('0' + (int) (value % 10));
        return at + 1;
    }

    @Override
    public boolean reply(HttpReplyFramer reply) {
        if (!current(reply.channel())) return false; // a connection this session left (timed out)
        if (!busy()) {
            stats.invalid("a reply without a request");
            close();
            return false;
        }
        WorkerStats sink = replied(System.nanoTime());
        check(reply, sink);
        if (!keepAlive || reply.closes()) {
            close();
            return false;
        }
        return true;
    }

    @Override
    public void malformed(String reason) {
        WorkerStats sink = busy() ? replied(System.nanoTime()) : stats;
        sink.invalid("malformed HTTP reply: " + reason);
        close();
    }

    /** Counts the reply in {@code sink}: the results, or the warm-up's discarded twin (README: not counted). */
    private void check(HttpReplyFramer reply, WorkerStats sink) {
        if (reply.status() != 200) {
            sink.invalid("HTTP status " + reply.statusText());
            return;
        }
        switch (checker.check(reply.bytes(), reply.bodyIndex(), reply.bodyLength(), type)) {
            case HttpReplyChecker.VALID -> {
                if (type == Workload.ANNOUNCE) sink.add(WorkerStats.PEERS_RECEIVED, checker.peers());
                sink.increment(WorkerStats.ANSWERED + type);
            }
            // the text is kept only for the first one (WorkerStats): no String per error reply
            case HttpReplyChecker.FAILURE -> sink.errorReply(sink.firstError == null ? checker.failureReason() : null);
            default -> sink.invalid(sink.firstInvalid == null ? checker.problem() : null);
        }
    }
}
