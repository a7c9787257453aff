package trackerd.http.tls;

import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolConfig.Protocol;
import io.netty.handler.ssl.ApplicationProtocolConfig.SelectedListenerFailureBehavior;
import io.netty.handler.ssl.ApplicationProtocolConfig.SelectorFailureBehavior;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.nio.file.Path;
import java.time.Clock;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import trackerd.config.TlsProvider;
import trackerd.http.tls.CertificateKeyPair.PairException;
import trackerd.metrics.MetricBank;
import trackerd.metrics.MetricWriter;

/**
 * The server TLS context for HTTPS and WSS, replaced without a restart when the certificate is
 * renewed. A listener's channel initializer calls
 * {@code SslHandler handler = tls.current().newHandler(channel.alloc())} for each accepted
 * connection: {@link #current} reads one volatile field, no lock. A connection's engine is made
 * from the context current when it was accepted and keeps it; a reload touches only connections
 * accepted after it, so open ones finish undisturbed and the old context is collected after them.
 *
 * <p>The context: server side, the configured provider ({@link TlsProviders}), TLS 1.2 and 1.3
 * with the provider's default ciphers, ALPN offering {@code http/1.1} only (the tracker speaks
 * no HTTP/2; a client that offers only {@code h2} gets no ALPN answer and may fall back).
 *
 * <p>{@link #reload} re-reads both PEM files. A bad new pair (missing or unreadable file, not
 * PEM, key not matching the certificate, or a certificate already expired) keeps the context in
 * force and logs one line why, and {@code tracker_tls_last_reload_ok} reads 0 until a good pair
 * loads; a good pair replaces it and logs the new subject and expiry. An expired certificate is
 * refused on reload because serving it fails every client, while the one in force may still be
 * valid; at start it is only a warning, since there is nothing older to keep and refusing would
 * take UDP and plain HTTP down with it. Not-yet-valid is not checked: a fresh certificate on a
 * host whose clock lags would be refused for no gain.
 *
 * <p>Threading: {@link #current} from any thread; {@link #reload} from any thread, serialized
 * (the file watcher and the signal handler may race).
 */
public final class ReloadableSslContext {
    private static final Logger LOG = LoggerFactory.getLogger(ReloadableSslContext.class);
    private static final ApplicationProtocolConfig HTTP_1_1_ONLY = new ApplicationProtocolConfig(
        Protocol.ALPN, SelectorFailureBehavior.NO_ADVERTISE, SelectedListenerFailureBehavior.ACCEPT,
        ApplicationProtocolNames.HTTP_1_1);

    private final Path certPath;
    private final Path keyPath;
    private final SslProvider provider;
    private final Clock clock;
    private volatile SslContext current;
    private volatile CertificateKeyPair pair;
    private final MetricWriter metrics;
    private final int expiryGauge;
    private final int reloadOkGauge;
    private final int reloadsCounter;
    private final int reloadFailuresCounter;

    private ReloadableSslContext(Path certPath, Path keyPath, SslProvider provider, Clock clock, MetricBank bank) {
        this.certPath = certPath;
        this.keyPath = keyPath;
        this.provider = provider;
        this.clock = clock;
        expiryGauge = bank.gauge("tracker_tls_certificate_expiry_timestamp_seconds",
            "When the HTTPS/WSS certificate in force expires (Unix seconds): alert well before it");
        reloadOkGauge = bank.gauge("tracker_tls_last_reload_ok",
            "1 if the last load of the TLS certificate and key succeeded, 0 if it failed and the old pair was kept");
        reloadsCounter = bank.counter("tracker_tls_reloads", "TLS certificate loads", "result", "ok");
        reloadFailuresCounter = bank.counter("tracker_tls_reloads", "TLS certificate loads", "result", "failed");
        metrics = bank.newWriter();
    }

    /**
     * Loads the pair for the start and logs the provider, subject and expiry.
     *
     * @param configured {@code http.tls.provider}
     * @throws TlsStartException naming the config key: a bad pair, or {@code openssl} unavailable
     */
    public static ReloadableSslContext open(Path certPath, Path keyPath, TlsProvider configured, MetricBank bank)
            throws TlsStartException {
        return open(certPath, keyPath, configured, bank, Clock.systemUTC());
    }

    /** As {@link #open(Path, Path, TlsProvider, MetricBank)} with a clock for the expiry check (tests). */
    static ReloadableSslContext open(Path certPath, Path keyPath, TlsProvider configured, MetricBank bank, Clock clock)
            throws TlsStartException {
        SslProvider provider;
        try {
            provider = TlsProviders.resolve(configured);
        } catch (IllegalStateException e) {
            throw new TlsStartException("http.tls.provider", "openssl: " + e.getMessage());
        }
        ReloadableSslContext tls = new ReloadableSslContext(certPath, keyPath, provider, clock, bank);
        CertificateKeyPair pair;
        try {
            pair = CertificateKeyPair.read(certPath, keyPath);
            tls.install(pair, build(pair, provider));
        } catch (PairException e) {
            throw new TlsStartException(e.getMessage().startsWith("key ") ? "http.tls.key_path" : "http.tls.cert_path",
                e.getMessage());
        } catch (SSLException | RuntimeException e) {
            throw new TlsStartException("http.tls.cert_path", "the TLS provider refused the pair: " + e);
        }
        LOG.info("TLS provider {}; certificate {} from {}", TlsProviders.describe(configured, provider),
            pair.describe(), certPath);
        if (pair.expiredAt(clock.instant())) {
            LOG.warn("TLS certificate {} has expired: HTTPS and WSS clients will refuse it until it is renewed",
                pair.describe());
        }
        return tls;
    }

    /** The context for new connections. Any thread; lock-free. */
    public SslContext current() {
        return current;
    }

    /** The leaf certificate in force (for logs, tests, and the expiry metric). */
    public X509Certificate certificate() {
        return pair.leaf();
    }

    public SslProvider provider() {
        return provider;
    }

    /**
     * Re-reads both files and puts a good pair in force; returns whether it did. A bad pair keeps
     * the old context and logs one error line. Never throws.
     */
    public synchronized boolean reload() {
        try {
            CertificateKeyPair fresh = CertificateKeyPair.read(certPath, keyPath);
            if (fresh.expiredAt(clock.instant())) {
                throw new PairException("certificate " + certPath + " expired at " + fresh.leaf().getNotAfter().toInstant());
            }
            install(fresh, build(fresh, provider));
            LOG.info("TLS certificate reloaded: {}", fresh.describe());
            return true;
        } catch (PairException | SSLException | RuntimeException e) {
            metrics.set(reloadOkGauge, 0);
            metrics.increment(reloadFailuresCounter);
            String why = e instanceof PairException ? e.getMessage() : "the TLS provider refused the pair: " + e;
            LOG.error("TLS reload failed, keeping the certificate in force ({}): {}", pair.describe(), why);
            return false;
        }
    }

    private void install(CertificateKeyPair fresh, SslContext context) {
        pair = fresh;
        current = context;
        metrics.set(expiryGauge, fresh.leaf().getNotAfter().toInstant().getEpochSecond());
        metrics.set(reloadOkGauge, 1);
        metrics.increment(reloadsCounter);
    }

    private static SslContext build(CertificateKeyPair pair, SslProvider provider) throws SSLException {
        return SslContextBuilder.forServer(pair.key(), pair.chain().toArray(new X509Certificate[0]))
            .sslProvider(provider)
            .protocols("TLSv1.3", "TLSv1.2")
            .applicationProtocolConfig(HTTP_1_1_ONLY)
            .build();
    }

    public Path certPath() {
        return certPath;
    }

    public Path keyPath() {
        return keyPath;
    }

    /** The start cannot serve TLS; {@link #key} names the config key to fix. */
    public static final class TlsStartException extends Exception {
        private final String key;

        public TlsStartException(String key, String message) {
            super(message);
            this.key = key;
        }

        public String key() {
            return key;
        }
    }
}
