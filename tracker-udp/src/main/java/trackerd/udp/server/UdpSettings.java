package trackerd.udp.server;

import trackerd.access.AccessList;
import trackerd.config.TrackerConfig;
import trackerd.loop.LoopContexts;

/**
 * What every UDP socket handler shares: the config sections it reads, and the process-wide
 * parts it uses. All immutable or thread-safe.
 */
record UdpSettings(
        TrackerConfig.Swarm swarm, TrackerConfig.Limits limits, AccessList accessList, LoopContexts contexts,
        UdpMetrics.Definitions metrics, long[] connectionIdKey) {}
