package trackerd.udp.protocol;

import static trackerd.udp.protocol.UdpProtocol.ACTION_ANNOUNCE;
import static trackerd.udp.protocol.UdpProtocol.ACTION_CONNECT;
import static trackerd.udp.protocol.UdpProtocol.ACTION_ERROR;
import static trackerd.udp.protocol.UdpProtocol.ACTION_SCRAPE;
import static trackerd.udp.protocol.UdpProtocol.ANNOUNCE_RESPONSE_PEERS;
import static trackerd.udp.protocol.UdpProtocol.CONNECT_RESPONSE_LENGTH;
import static trackerd.udp.protocol.UdpProtocol.ERROR_MESSAGE;
import static trackerd.udp.protocol.UdpProtocol.SCRAPE_ENTRY_LENGTH;
import static trackerd.udp.protocol.UdpProtocol.SCRAPE_RESPONSE_ENTRIES;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import trackerd.swarm.ScrapeBlock;
import java.nio.charset.StandardCharsets;

/** Writes BEP 15 responses into buffers of exactly the right size from the given allocator. */
public final class UdpResponseEncoder {
    /** Error texts, encoded once. */
    public static final byte[] UNKNOWN_ACTION = bytes("unknown action");
    public static final byte[] ANNOUNCE_TOO_SHORT = bytes("announce request too short (98 bytes needed)");
    public static final byte[] INVALID_PORT = bytes("invalid port 0");
    public static final byte[] INVALID_EVENT = bytes("invalid event");
    public static final byte[] BAD_SCRAPE_LENGTH = bytes("scrape request must hold one or more 20-byte info hashes");
    public static final byte[] TOO_MANY_HASHES = bytes("too many info hashes in one scrape");
    public static final byte[] FORBIDDEN = bytes("info hash not served by this tracker");
    public static final byte[] TOO_MANY_TORRENTS = bytes("tracker is full: too many torrents");
    public static final byte[] TOO_MANY_PEERS = bytes("swarm is full: too many peers");
    public static final byte[] TOO_MANY_NEW_TORRENTS = bytes("too many new torrents from this address: try again later");
    public static final byte[] TRACKER_FULL_OF_PEERS = bytes("tracker is full: too many peers");
    public static final byte[] INTERNAL_ERROR = bytes("internal tracker error");

    private UdpResponseEncoder() {}

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    public static ByteBuf connect(ByteBufAllocator alloc, int transactionId, long connectionId) {
        return alloc.directBuffer(CONNECT_RESPONSE_LENGTH, CONNECT_RESPONSE_LENGTH)
            .writeInt(ACTION_CONNECT).writeInt(transactionId).writeLong(connectionId);
    }

    /** @param peerBytes bytes of {@code peers} to send: 6 or 18 per peer */
    public static ByteBuf announce(ByteBufAllocator alloc, int transactionId, int interval, int leechers,
                                   int seeders, byte[] peers, int peerBytes) {
        int length = ANNOUNCE_RESPONSE_PEERS + peerBytes;
        return alloc.directBuffer(length, length)
            .writeInt(ACTION_ANNOUNCE).writeInt(transactionId).writeInt(interval).writeInt(leechers)
            .writeInt(seeders).writeBytes(peers, 0, peerBytes);
    }

    /** Seeders, completed, leechers per hash of {@code block}, in request order. */
    public static ByteBuf scrape(ByteBufAllocator alloc, int transactionId, ScrapeBlock block) {
        int hashes = block.count();
        int length = SCRAPE_RESPONSE_ENTRIES + hashes * SCRAPE_ENTRY_LENGTH;
        ByteBuf out = alloc.directBuffer(length, length).writeInt(ACTION_SCRAPE).writeInt(transactionId);
        for (int i = 0; i < hashes; i++) {
            out.writeInt(block.seeders(i)).writeInt(block.completed(i)).writeInt(block.leechers(i));
        }
        return out;
    }

    public static ByteBuf error(ByteBufAllocator alloc, int transactionId, byte[] message) {
        int length = ERROR_MESSAGE + message.length;
        return alloc.directBuffer(length, length).writeInt(ACTION_ERROR).writeInt(transactionId).writeBytes(message);
    }
}
