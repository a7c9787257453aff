package trackerd.udp.protocol;

/**
 * BEP 15 wire layout: big-endian, offsets in bytes.
 *
 * <pre>
 * request header (every request)          connect request: connection_id = PROTOCOL_ID
 *  0: connection_id  i64                  16 bytes in all
 *  8: action         i32  0 connect, 1 announce, 2 scrape
 * 12: transaction_id i32
 *
 * announce request (98 bytes; BEP 41 options may follow)
 * 16: info_hash  20    56: downloaded i64   80: event i32 (0 none, 1 completed, 2 started, 3 stopped)
 * 36: peer_id    20    64: left i64         84: ip u32 (0 = source address)   88: key u32
 *                      72: uploaded i64     92: num_want i32 (-1 default)     96: port u16
 *
 * scrape request: 16: info_hash 20 bytes, repeated
 *
 * response header: 0: action i32, 4: transaction_id i32
 * connect  (16):   8: connection_id i64
 * announce (20+):  8: interval i32, 12: leechers i32, 16: seeders i32,
 *                  20: peers, 6 bytes each (IPv4 + port) or 18 (IPv6 + port) for IPv6 requests
 * scrape   (8+12n): per hash: seeders i32, completed i32, leechers i32
 * error    (8+):    8: message, UTF-8, no terminator
 * </pre>
 */
public final class UdpProtocol {
    public static final long PROTOCOL_ID = 0x41727101980L;

    public static final int ACTION_CONNECT = 0;
    public static final int ACTION_ANNOUNCE = 1;
    public static final int ACTION_SCRAPE = 2;
    public static final int ACTION_ERROR = 3;

    public static final int CONNECTION_ID = 0;
    public static final int ACTION = 8;
    public static final int TRANSACTION_ID = 12;
    public static final int HEADER_LENGTH = 16;

    public static final int INFO_HASH = 16;
    public static final int PEER_ID = 36;
    public static final int DOWNLOADED = 56;
    public static final int LEFT = 64;
    public static final int UPLOADED = 72;
    public static final int EVENT = 80;
    public static final int IP = 84;
    public static final int KEY = 88;
    public static final int NUM_WANT = 92;
    public static final int PORT = 96;
    public static final int ANNOUNCE_LENGTH = 98;

    public static final int SCRAPE_HASHES = 16;
    public static final int INFO_HASH_LENGTH = 20;

    public static final int RESPONSE_ACTION = 0;
    public static final int RESPONSE_TRANSACTION_ID = 4;
    public static final int RESPONSE_CONNECTION_ID = 8;
    public static final int CONNECT_RESPONSE_LENGTH = 16;
    public static final int RESPONSE_INTERVAL = 8;
    public static final int RESPONSE_LEECHERS = 12;
    public static final int RESPONSE_SEEDERS = 16;
    public static final int ANNOUNCE_RESPONSE_PEERS = 20;
    public static final int SCRAPE_RESPONSE_ENTRIES = 8;
    public static final int SCRAPE_ENTRY_LENGTH = 12;
    public static final int ERROR_MESSAGE = 8;

    private UdpProtocol() {}
}
