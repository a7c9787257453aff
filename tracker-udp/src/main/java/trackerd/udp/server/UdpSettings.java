package trackerd.udp.server;

import trackerd.access.AccessList;
import trackerd.swarm.SwarmEngine;

/** What every UDP socket handler shares: all immutable or thread-safe. */
record UdpSettings(
        SwarmEngine engine, AccessList accessList, UdpMetrics.Definitions metrics, long[] connectionIdKey,
        long startNanos, int announceIntervalSeconds, int maxScrapeHashes, boolean trustClientIp) {}
