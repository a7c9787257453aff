package trackerd.http.server;

import java.util.concurrent.atomic.AtomicInteger;
import trackerd.access.AccessList;
import trackerd.config.TrackerConfig;
import trackerd.loop.LoopContexts;

/**
 * What every HTTP connection handler of one front end shares: config sections, process-wide
 * parts, and constants derived once. All immutable or thread-safe.
 *
 * @param proxyHeader the lower-case proxy header name, or null when not behind a proxy
 * @param webSocketDoor where WebSocket upgrades go, or null (answered 400)
 * @param fullScrapes the full-scrape snapshots, or null when {@code http.full_scrape} is off
 * @param openConnections HTTP connections open now, all addresses together
 * @param busyBody BEP 31 "tracker busy" with {@code retry in}
 */
record HttpSettings(
        TrackerConfig.Swarm swarm, TrackerConfig.Limits limits, TrackerConfig.Http http, AccessList accessList,
        LoopContexts contexts, HttpMetrics.Definitions metrics, TrustedProxies trustedProxies, byte[] proxyHeader,
        WebSocketDoor webSocketDoor, FullScrapes fullScrapes, AtomicInteger openConnections, byte[] busyBody) {

    /**
     * Most requests one connection may have unanswered (pipelined) before it stops being read:
     * memory per connection stays bounded, and one client cannot take a loop's whole request pool.
     */
    static final int MAX_PIPELINED = 64;

    /**
     * Whether a TCP peer's proxy header is believed: a header is configured and the peer is in
     * {@code http.proxy.trusted}. Address words as in {@code SwarmRequest}.
     */
    boolean trustsProxy(boolean ipv6, long address0, long address1) {
        return proxyHeader != null && trustedProxies.contains(ipv6, address0, address1);
    }
}
