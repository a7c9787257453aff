package trackerd.loadtest;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.ssl.SslContext;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import trackerd.config.ConfigException;

/**
 * One HTTP connection of a load worker: {@code GET /announce} and {@code GET /scrape} with the
 * info hash and peer id percent-encoded straight into the request buffer, and every reply
 * decoded (bencode) and checked against its request.
 */
final class HttpSession extends TcpSession {
    private static final byte[] HEX = "0123456789ABCDEF".getBytes(StandardCharsets.US_ASCII);
    private static final String[] EVENTS = {"", "&event=completed", "&event=started", "&event=stopped"};

    private final Workload workload;
    private final boolean keepAlive;
    private final byte[] announcePrefix;
    private final byte[] scrapePrefix;
    private final byte[] requestEnd;
    private final byte[][] events = new byte[EVENTS.length][];
    private final int[] scraped;
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
        pipeline.addLast("http", new HttpResponseDecoder());
        pipeline.addLast("aggregate", new HttpObjectAggregator(1 << 20));
    }

    @Override
    int newRequest(ByteBuf out, long now) {
        type = workload.requestType(random);
        if (type == Workload.ANNOUNCE) {
            int peer = workload.peer(random);
            int torrent = workload.torrentOf(peer);
            out.writeBytes(announcePrefix);
            writeHash(out, torrent);
            out.writeCharSequence("&peer_id=", StandardCharsets.US_ASCII);
            writeEscaped(out, Workload.PEER_ID_PREFIX, 8);
            writeEscaped(out, peer, 8);
            writeEscaped(out, peer, 4);
            out.writeCharSequence("&port=", StandardCharsets.US_ASCII);
            writeDecimal(out, Workload.port(peer));
            out.writeCharSequence("&uploaded=0&downloaded=0&left=", StandardCharsets.US_ASCII);
            writeDecimal(out, workload.seeder(peer) ? 0 : 1_000_000);
            out.writeCharSequence("&compact=1&numwant=", StandardCharsets.US_ASCII);
            writeDecimal(out, workload.config.numwant());
            out.writeBytes(events[workload.event(random)]);
        } else {
            out.writeBytes(scrapePrefix);
            workload.scrapeTorrents(random, scraped);
            for (int i = 0; i < scraped.length; i++) {
                if (i > 0) out.writeCharSequence("&info_hash=", StandardCharsets.US_ASCII);
                writeHash(out, scraped[i]);
            }
        }
        out.writeBytes(requestEnd);
        return type;
    }

    private static void writeHash(ByteBuf out, int torrent) {
        writeEscaped(out, Workload.hash0(torrent), 8);
        writeEscaped(out, Workload.hash1(torrent), 8);
        writeEscaped(out, Workload.hash2(torrent), 4);
    }

    /** The low {@code bytes} bytes of {@code word}, big-endian, percent-encoded (RFC 3986 unreserved kept). */
    static void writeEscaped(ByteBuf out, long word, int bytes) {
        for (int shift = (bytes - 1) * 8; shift >= 0; shift -= 8) {
            int b = (int) (word >>> shift) & 0xff;
            if ((b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9')
                    || b == '-' || b == '.' || b == '_' || b == '~') {
                out.writeByte(b);
            } else {
                out.writeByte('%').writeByte(HEX[b >>> 4]).writeByte(HEX[b & 15]);
            }
        }
    }

    static void writeDecimal(ByteBuf out, long value) {
        if (value >= 10) writeDecimal(out, value / 10);
        out.writeByte('0' + (int) (value % 10));
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (!(msg instanceof FullHttpResponse response)) return;
            if (!busy()) {
                stats.invalid("a reply without a request");
                close();
                return;
            }
            WorkerStats sink = replied(System.nanoTime());
            if (!response.decoderResult().isSuccess()) {
                stats.invalid("malformed HTTP reply: " + response.decoderResult().cause());
                close();
                return;
            }
            check(response, sink);
            if (!keepAlive || !HttpUtil.isKeepAlive(response)) close();
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private void check(FullHttpResponse response, WorkerStats sink) {
        if (!response.status().equals(HttpResponseStatus.OK)) {
            stats.invalid("HTTP status " + response.status());
            return;
        }
        Object body;
        try {
            body = Bencode.decode(response.content());
        } catch (IllegalArgumentException e) {
            stats.invalid("reply is not bencode: " + e.getMessage());
            return;
        }
        if (!(body instanceof Map<?, ?> map)) {
            stats.invalid("reply is not a bencoded dictionary");
            return;
        }
        if (map.get("failure reason") instanceof byte[] reason) {
            stats.errorReply(new String(reason, StandardCharsets.UTF_8));
            return;
        }
        String problem = type == Workload.ANNOUNCE ? checkAnnounce(map, sink) : checkScrape(map);
        if (problem != null) stats.invalid(problem);
        else sink.increment(WorkerStats.ANSWERED + type);
    }

    private String checkAnnounce(Map<?, ?> map, WorkerStats sink) {
        if (!(map.get("interval") instanceof Long interval) || interval <= 0) return "announce reply without a positive interval";
        for (String count : new String[] {"complete", "incomplete"}) {
            Object value = map.get(count);
            if (value != null && (!(value instanceof Long n) || n < 0)) return "announce reply with a bad " + count;
        }
        long peers = 0;
        Object v4 = map.get("peers");
        if (v4 instanceof byte[] compact) {
            if (compact.length % 6 != 0) return "peers of " + compact.length + " bytes";
            peers += compact.length / 6;
        } else if (v4 instanceof List<?> list) {
            for (Object peer : list) {
                if (!(peer instanceof Map<?, ?> dict) || !(dict.get("ip") instanceof byte[])
                        || !(dict.get("port") instanceof Long port) || port < 0 || port > 65535) {
                    return "a peer dictionary without ip and port";
                }
            }
            peers += list.size();
        } else if (v4 != null) {
            return "peers is neither a string nor a list";
        }
        Object v6 = map.get("peers6");
        if (v6 != null) {
            if (!(v6 instanceof byte[] compact) || compact.length % 18 != 0) return "peers6 is not a multiple of 18 bytes";
            peers += compact.length / 18;
        }
        if (v4 == null && v6 == null) return "announce reply without peers";
        if (peers > workload.config.numwant()) return peers + " peers for numwant " + workload.config.numwant();
        sink.add(WorkerStats.PEERS_RECEIVED, peers);
        return null;
    }

    private String checkScrape(Map<?, ?> map) {
        if (!(map.get("files") instanceof Map<?, ?> files)) return "scrape reply without files";
        Set<String> asked = new HashSet<>();
        for (int torrent : scraped) asked.add(Workload.binary(torrent));
        if (files.size() > asked.size()) return files.size() + " files for " + asked.size() + " info hashes";
        for (Map.Entry<?, ?> file : files.entrySet()) {
            if (!asked.contains(file.getKey())) return "scrape reply names an info hash that was not asked for";
            if (!(file.getValue() instanceof Map<?, ?> counts)) return "scrape entry is not a dictionary";
            for (String count : new String[] {"complete", "incomplete", "downloaded"}) {
                if (!(counts.get(count) instanceof Long n) || n < 0) return "scrape entry without a valid " + count;
            }
        }
        return null;
    }
}
