package trackerd.http.tls;

import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslProvider;
import trackerd.config.TlsProvider;

/**
 * Turns {@code http.tls.provider} into the Netty provider to build contexts with. BoringSSL
 * (netty-tcnative-boringssl-static, bundled) is preferred: it does the same handshake for a
 * fraction of the JDK's CPU (docs/benchmarks.md, "HTTPS: JDK TLS vs BoringSSL"). The JDK remains
 * for machines where the native library cannot load (another CPU architecture, a noexec temp
 * directory: see {@code io.netty.native.workdir} in the README).
 *
 * <p>{@link SslProvider#OPENSSL}, not {@code OPENSSL_REFCNT}: a replaced context is freed by the
 * garbage collector once its last connection is gone, instead of by a release that would have to
 * wait for every connection opened under it.
 */
public final class TlsProviders {
    private TlsProviders() {}

    /**
     * The provider to use. Any thread.
     *
     * @throws IllegalStateException when {@code openssl} is asked for and cannot load, with Netty's reason
     */
    public static SslProvider resolve(TlsProvider configured) {
        return switch (configured) {
            case JDK -> SslProvider.JDK;
            case OPENSSL -> {
                if (!OpenSsl.isAvailable()) {
                    throw new IllegalStateException("BoringSSL cannot load here: " + OpenSsl.unavailabilityCause());
                }
                yield SslProvider.OPENSSL;
            }
            case AUTO -> OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
        };
    }

    /** "openssl (BoringSSL)", "jdk (auto: BoringSSL cannot load: ...)": the start log's words. */
    public static String describe(TlsProvider configured, SslProvider resolved) {
        String name = resolved == SslProvider.JDK ? "jdk" : "openssl (" + OpenSsl.versionString() + ")";
        if (configured != TlsProvider.AUTO) return name;
        return resolved == SslProvider.JDK
            ? name + ", chosen by auto: BoringSSL cannot load: " + OpenSsl.unavailabilityCause()
            : name + ", chosen by auto";
    }
}
