package trackerd.runtime;

/**
 * Netty settings for a process that moves many small buffers: the daemon and the load tester.
 * Call before any Netty class loads; what the operator set with -D wins.
 */
public final class NettyDefaults {
    private NettyDefaults() {}

    public static void apply() {
        // Netty's default leak detection wraps one buffer in 128 and records a stack trace for
        // it: measurable allocation and time on the UDP hot path. Tests run with it at paranoid;
        // an operator can turn it back on with -Dio.netty.leakDetection.level=simple.
        setUnlessSet("io.netty.leakDetection.level", "disabled");
        // Netty's recycler keeps one object in 8 by default: the other 7 slices of each recvmmsg
        // batch buffer were new objects, about 12 % of the UDP path's Java time. Keep them all.
        setUnlessSet("io.netty.recycler.ratio", "1");
    }

    private static void setUnlessSet(String key, String value) {
        if (System.getProperty(key) == null) System.setProperty(key, value);
    }
}
