package trackerd.udp.protocol;

import static trackerd.udp.protocol.UdpProtocol.ANNOUNCE_LENGTH;
import static trackerd.udp.protocol.UdpProtocol.EVENT;
import static trackerd.udp.protocol.UdpProtocol.INFO_HASH;
import static trackerd.udp.protocol.UdpProtocol.INFO_HASH_LENGTH;
import static trackerd.udp.protocol.UdpProtocol.IP;
import static trackerd.udp.protocol.UdpProtocol.LEFT;
import static trackerd.udp.protocol.UdpProtocol.NUM_WANT;
import static trackerd.udp.protocol.UdpProtocol.PORT;
import static trackerd.udp.protocol.UdpProtocol.SCRAPE_HASHES;

import io.netty.buffer.ByteBuf;
import trackerd.swarm.AnnounceEvent;
import trackerd.swarm.ScrapeBlock;
import trackerd.swarm.SwarmRequest;

/**
 * Reads announce and scrape bodies with absolute reads at {@link UdpProtocol} offsets into a
 * {@link SwarmRequest}. Never throws on network bytes: lengths are checked first and every
 * problem is a status the caller counts and, where the transaction id is known, answers.
 */
public final class UdpRequestDecoder {
    public static final int OK = 0;
    public static final int ANNOUNCE_TOO_SHORT = 1;
    public static final int INVALID_PORT = 2;
    public static final int INVALID_EVENT = 3;
    public static final int BAD_SCRAPE_LENGTH = 4;
    public static final int TOO_MANY_HASHES = 5;

    private UdpRequestDecoder() {}

    /**
     * An announce of {@code length} bytes at {@code base}. Bytes after the 98 BEP 15 defines
     * (BEP 41 options, which qBittorrent sends) are accepted and ignored. Sets the hash, port,
     * event, seeder flag and numwant; the caller sets the address (the source, or the ip field
     * when trusted: see {@link #ipField}).
     */
    public static int decodeAnnounce(ByteBuf in, int base, int length, SwarmRequest request) {
        if (length < ANNOUNCE_LENGTH) return ANNOUNCE_TOO_SHORT;
        int port = in.getUnsignedShort(base + PORT);
        if (port == 0) return INVALID_PORT;
        AnnounceEvent event = AnnounceEvent.ofBep15(in.getInt(base + EVENT));
        if (event == null) return INVALID_EVENT;
        request.infoHash0 = in.getLong(base + INFO_HASH);
        request.infoHash1 = in.getLong(base + INFO_HASH + 8);
        request.infoHash2 = in.getInt(base + INFO_HASH + 16);
        request.port = port;
        request.event = event;
        request.seeder = in.getLong(base + LEFT) == 0;
        int numwant = in.getInt(base + NUM_WANT);
        request.numwant = numwant < 0 ? -1 : numwant;
        return OK;
    }

    /** The announce's ip field: 0 means "use the source address". */
    public static int ipField(ByteBuf in, int base) {
        return in.getInt(base + IP);
    }

    /** A scrape of {@code length} bytes at {@code base}: one or more whole info hashes. */
    public static int decodeScrape(ByteBuf in, int base, int length, int maxHashes, ScrapeBlock block) {
        int body = length - SCRAPE_HASHES;
        if (body <= 0 || body % INFO_HASH_LENGTH != 0) return BAD_SCRAPE_LENGTH;
        int count = body / INFO_HASH_LENGTH;
        if (count > Math.min(maxHashes, block.capacity())) return TOO_MANY_HASHES;
        for (int i = 0; i < count; i++) {
            int at = base + SCRAPE_HASHES + i * INFO_HASH_LENGTH;
            block.add(in.getLong(at), in.getLong(at + 8), in.getInt(at + 16));
        }
        return OK;
    }
}
