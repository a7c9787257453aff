package trackerd.config;

/** Which TLS implementation serves HTTPS and WSS ({@code http.tls.provider}). */
public enum TlsProvider {
    /** BoringSSL when its native library loads on this machine, else the JDK's. */
    AUTO,
    /** The JDK's own TLS (SSLEngine): always there, slower (docs/benchmarks.md). */
    JDK,
    /** BoringSSL through netty-tcnative; the start fails if its native library cannot load. */
    OPENSSL
}
