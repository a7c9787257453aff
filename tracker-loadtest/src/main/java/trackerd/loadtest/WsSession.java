package trackerd.loadtest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.SerializedString;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler.ClientHandshakeStateEvent;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.ssl.SslContext;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * One WebTorrent client of a load worker: a WebSocket connection with its own peer id that
 * announces (with generated WebRTC offers) and scrapes, one request in flight, and answers
 * every offer the tracker relays to it, as a browser would. Replies are matched by action and
 * info hash; relayed offers and answers are counted.
 */
final class WsSession extends TcpSession {
    static final JsonFactory JSON = new JsonFactory();
    private static final char[] ALPHANUMERIC =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".toCharArray();
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();
    private static final String[] EVENTS = {null, "completed", "started", "stopped"};

    /**
     * Session descriptions per worker, made once and written as pre-quoted JSON: the tracker
     * relays them as opaque bytes, and building and escaping a fresh one per offer and answer
     * was a fifth of this tool's CPU, which made it the limit of the runs it was meant to drive.
     */
    private static final int SDP_POOL = 16;

    private final Workload workload;
    private final URI uri;
    private final int offers;
    private final String peerId;
    private final SerializedString peerIdJson;
    private final SerializedString[] offerSdps;
    private final SerializedString[] answerSdps;
    /** The message being parsed, copied out of its (direct) buffer: jackson reads arrays fastest. */
    private byte[] scratch = new byte[4096];
    private final boolean seeder;
    private int type;
    private String askedHash;
    private final int[] scraped;

    private WsSession(LoadWorker worker, SslContext ssl, Workload workload, SerializedString[] offerSdps,
                      SerializedString[] answerSdps) {
        super(worker, ssl);
        this.workload = workload;
        this.uri = URI.create((target.tls() ? "wss://" : "ws://") + target.host() + target.path("ws"));
        this.offers = worker.config.ws().offersPerAnnounce();
        this.peerId = "-LT0001-" + randomId(12);
        this.peerIdJson = new SerializedString(peerId);
        this.offerSdps = offerSdps;
        this.answerSdps = answerSdps;
        this.seeder = random.nextInt(100) < workload.config.seederPercent();
        this.scraped = new int[workload.config.scrapeHashes()];
    }

    /** Adds the worker's WebSocket clients; they connect when the connect phase starts. */
    static void open(LoadWorker worker, Workload workload, SslContext ssl) {
        SerializedString[] offerSdps = new SerializedString[SDP_POOL];
        SerializedString[] answerSdps = new SerializedString[SDP_POOL];
        for (int i = 0; i < worker.config.ws().connectionsPerWorker(); i++) {
            WsSession session = new WsSession(worker, ssl, workload, offerSdps, answerSdps);
            if (i == 0) {
                for (int k = 0; k < SDP_POOL; k++) {
                    offerSdps[k] = new SerializedString(session.sdp("actpass"));
                    answerSdps[k] = new SerializedString(session.sdp("active"));
                }
            }
            worker.add(session);
        }
    }

    private String randomId(int length) {
        char[] id = new char[length];
        for (int i = 0; i < length; i++) id[i] = ALPHANUMERIC[random.nextInt(ALPHANUMERIC.length)];
        return new String(id);
    }

    @Override
    void addHandlers(ChannelPipeline pipeline) {
        pipeline.addLast("http", new HttpClientCodec());
        pipeline.addLast("aggregate", new HttpObjectAggregator(1 << 16));
        pipeline.addLast("ws", new WebSocketClientProtocolHandler(WebSocketClientProtocolConfig.newBuilder()
            .webSocketUri(uri).maxFramePayloadLength(1 << 20).handshakeTimeoutMillis(5_000)
            .withUTF8Validator(false) // jackson reads every reply and refuses bad UTF-8: no second pass over each frame
            .build()));
        pipeline.addLast("frames", new WebSocketFrameAggregator(1 << 20));
    }

    @Override
    void transportReady() {
        // the WebSocket handshake comes first: ready() on HANDSHAKE_COMPLETE
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
        if (event == ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
            ready();
        } else if (event == ClientHandshakeStateEvent.HANDSHAKE_TIMEOUT) {
            handshakeFailed("WebSocket handshake timed out");
        }
        super.userEventTriggered(ctx, event);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!connected()) {
            handshakeFailed("WebSocket handshake failed: " + cause.getMessage());
        } else {
            super.exceptionCaught(ctx, cause);
        }
    }

    @Override
    Object message(ByteBuf bytes) {
        return new TextWebSocketFrame(bytes);
    }

    @Override
    int newRequest(ByteBuf out, long now) {
        type = workload.requestType(random);
        try (JsonGenerator json = JSON.createGenerator((OutputStream) new ByteBufOutputStream(out))) {
            json.writeStartObject();
            if (type == Workload.ANNOUNCE) {
                int torrent = workload.torrent(random);
                SerializedString hash = workload.jsonBinary(torrent);
                askedHash = hash.getValue();
                json.writeStringField("action", "announce");
                json.writeFieldName("info_hash");
                json.writeString(hash);
                json.writeFieldName("peer_id");
                json.writeString(peerIdJson);
                json.writeNumberField("numwant", offers);
                json.writeNumberField("uploaded", 0);
                json.writeNumberField("downloaded", 0);
                json.writeNumberField("left", seeder ? 0 : 1_000_000);
                String event = EVENTS[workload.event(random)];
                if (event != null) json.writeStringField("event", event);
                json.writeArrayFieldStart("offers");
                for (int i = 0; i < offers; i++) {
                    json.writeStartObject();
                    json.writeObjectFieldStart("offer");
                    json.writeStringField("type", "offer");
                    json.writeFieldName("sdp");
                    json.writeString(offerSdps[random.nextInt(SDP_POOL)]);
                    json.writeEndObject();
                    json.writeStringField("offer_id", randomId(20));
                    json.writeEndObject();
                }
                json.writeEndArray();
            } else {
                json.writeStringField("action", "scrape");
                json.writeArrayFieldStart("info_hash");
                workload.scrapeTorrents(random, scraped);
                for (int torrent : scraped) json.writeString(workload.jsonBinary(torrent));
                json.writeEndArray();
            }
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return type;
    }

    /** A data-channel-only session description of the size browsers send. */
    private String sdp(String setup) {
        return "v=0\r\no=- " + (random.nextLong() >>> 1) + " 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
            + "a=group:BUNDLE 0\r\na=extmap-allow-mixed\r\na=msid-semantic: WMS\r\n"
            + "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 0.0.0.0\r\n"
            + "a=ice-ufrag:" + randomId(4) + "\r\na=ice-pwd:" + randomId(24) + "\r\na=ice-options:trickle\r\n"
            + "a=fingerprint:sha-256 " + fingerprint() + "\r\na=setup:" + setup + "\r\na=mid:0\r\n"
            + "a=sctp-port:5000\r\na=max-message-size:262144\r\n";
    }

    private String fingerprint() {
        StringBuilder out = new StringBuilder(95);
        for (int i = 0; i < 32; i++) {
            if (i > 0) out.append(':');
            int b = random.nextInt(256);
            out.append(HEX[b >>> 4]).append(HEX[b & 15]);
        }
        return out.toString();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (msg instanceof TextWebSocketFrame frame) onMessage(frame.content(), System.nanoTime());
            else stats.invalid("a WebSocket frame that is not text: " + msg.getClass().getSimpleName());
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    /** The fields of one tracker message that matter here. */
    private static final class Message {
        String action;
        String failure;
        String infoHash;
        String peerId;
        String offerId;
        long interval = -1;
        long complete = -1;
        long incomplete = -1;
        boolean offer;
        boolean answer;
        boolean hasFiles;
        final List<String> files = new ArrayList<>();
        String badFile;
    }

    private void onMessage(ByteBuf content, long now) {
        Message m;
        try {
            m = parse(content);
        } catch (IOException | RuntimeException e) {
            stats.invalid("message is not the JSON object expected: " + e.getMessage());
            return;
        }
        WorkerStats counting = worker.statsFor(now);
        if (m.offer) {
            if (badId(m.offerId) || badId(m.peerId) || badId(m.infoHash)) {
                stats.invalid("relayed offer without 20-char offer_id, peer_id and info_hash");
                return;
            }
            counting.increment(WorkerStats.OFFERS_RECEIVED);
            sendAnswer(m, counting);
        } else if (m.answer) {
            if (badId(m.offerId) || badId(m.peerId) || badId(m.infoHash)) {
                stats.invalid("relayed answer without 20-char offer_id, peer_id and info_hash");
                return;
            }
            counting.increment(WorkerStats.ANSWERS_RECEIVED);
        } else if (m.failure != null) {
            WorkerStats sink = busy() ? replied(now) : stats;
            sink.errorReply(m.failure);
        } else if (!busy()) {
            stats.invalid("a reply without a request (action " + m.action + ")");
        } else {
            WorkerStats sink = replied(now);
            String problem = "announce".equals(m.action) ? checkAnnounce(m) : "scrape".equals(m.action) ? checkScrape(m)
                : "a reply with action " + m.action;
            if (problem != null) sink.invalid(problem);
            else sink.increment(WorkerStats.ANSWERED + type);
        }
    }

    private static boolean badId(String id) {
        return id == null || id.length() != 20;
    }

    private String checkAnnounce(Message m) {
        if (type != Workload.ANNOUNCE) return "an announce reply to a scrape";
        if (!askedHash.equals(m.infoHash)) return "an announce reply for another info hash";
        if (m.interval <= 0) return "announce reply without a positive interval";
        if (m.complete < 0 || m.incomplete < 0) return "announce reply without complete and incomplete";
        return null;
    }

    private String checkScrape(Message m) {
        if (type != Workload.SCRAPE) return "a scrape reply to an announce";
        if (!m.hasFiles) return "scrape reply without files";
        if (m.badFile != null) return m.badFile;
        Set<String> asked = new HashSet<>();
        for (int torrent : scraped) asked.add(workload.jsonBinary(torrent).getValue());
        if (m.files.size() > asked.size()) return m.files.size() + " files for " + asked.size() + " info hashes";
        if (!asked.containsAll(m.files)) return "scrape reply names an info hash that was not asked for";
        return null;
    }

    private void sendAnswer(Message offer, WorkerStats counting) {
        if (!connected()) return;
        ByteBuf out = allocate();
        try (JsonGenerator json = JSON.createGenerator((OutputStream) new ByteBufOutputStream(out))) {
            json.writeStartObject();
            json.writeStringField("action", "announce");
            json.writeStringField("info_hash", offer.infoHash);
            json.writeFieldName("peer_id");
            json.writeString(peerIdJson);
            json.writeStringField("to_peer_id", offer.peerId);
            json.writeStringField("offer_id", offer.offerId);
            json.writeObjectFieldStart("answer");
            json.writeStringField("type", "answer");
            json.writeFieldName("sdp");
            json.writeString(answerSdps[random.nextInt(SDP_POOL)]);
            json.writeEndObject();
            json.writeEndObject();
        } catch (IOException e) {
            out.release();
            throw new UncheckedIOException(e);
        }
        writeOther(new TextWebSocketFrame(out));
        counting.increment(WorkerStats.ANSWERS_SENT);
    }

    private Message parse(ByteBuf content) throws IOException {
        Message m = new Message();
        int length = content.readableBytes();
        if (scratch.length < length) scratch = new byte[Math.max(length, 2 * scratch.length)];
        content.getBytes(content.readerIndex(), scratch, 0, length);
        try (JsonParser p = JSON.createParser(scratch, 0, length)) {
            if (p.nextToken() != JsonToken.START_OBJECT) throw new IOException("not an object");
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                switch (field) {
                    case "action" -> m.action = text(p, value);
                    case "failure reason" -> m.failure = text(p, value);
                    case "info_hash" -> m.infoHash = text(p, value);
                    case "peer_id" -> m.peerId = text(p, value);
                    case "offer_id" -> m.offerId = text(p, value);
                    case "interval" -> m.interval = number(p, value);
                    case "complete" -> m.complete = number(p, value);
                    case "incomplete" -> m.incomplete = number(p, value);
                    case "offer" -> m.offer = hasSdp(p, value);
                    case "answer" -> m.answer = hasSdp(p, value);
                    case "files" -> files(p, value, m);
                    default -> p.skipChildren();
                }
            }
        }
        if ((m.offer || m.answer) && !"announce".equals(m.action)) throw new IOException("offer or answer outside an announce");
        return m;
    }

    private static String text(JsonParser p, JsonToken value) throws IOException {
        if (value != JsonToken.VALUE_STRING) throw new IOException(p.currentName() + " is not a string");
        return p.getText();
    }

    private static long number(JsonParser p, JsonToken value) throws IOException {
        if (value != JsonToken.VALUE_NUMBER_INT) throw new IOException(p.currentName() + " is not a whole number");
        return p.getLongValue();
    }

    /** An offer or answer object: it must carry an SDP string. */
    private static boolean hasSdp(JsonParser p, JsonToken value) throws IOException {
        if (value != JsonToken.START_OBJECT) throw new IOException(p.currentName() + " is not an object");
        boolean sdp = false;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken v = p.nextToken();
            if (field.equals("sdp") && v == JsonToken.VALUE_STRING && !p.getText().isEmpty()) sdp = true;
            p.skipChildren();
        }
        if (!sdp) throw new IOException("an offer or answer without an sdp");
        return true;
    }

    /** files: {info_hash: {complete, incomplete, downloaded}}. */
    private static void files(JsonParser p, JsonToken value, Message m) throws IOException {
        if (value != JsonToken.START_OBJECT) throw new IOException("files is not an object");
        m.hasFiles = true;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            m.files.add(p.currentName());
            if (p.nextToken() != JsonToken.START_OBJECT) throw new IOException("a files entry is not an object");
            int counts = 0;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken v = p.nextToken();
                if (field.equals("complete") || field.equals("incomplete") || field.equals("downloaded")) {
                    if (v != JsonToken.VALUE_NUMBER_INT || p.getLongValue() < 0) m.badFile = "scrape entry with a bad " + field;
                    counts++;
                } else {
                    p.skipChildren();
                }
            }
            if (counts != 3) m.badFile = "scrape entry without complete, incomplete and downloaded";
        }
    }
}
