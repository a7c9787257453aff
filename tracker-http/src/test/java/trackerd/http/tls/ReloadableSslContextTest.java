package trackerd.http.tls;

import static java.nio.file.StandardCopyOption.REPLACE_EXISTING;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.slf4j.LoggerFactory;
import trackerd.config.TlsProvider;
import trackerd.http.tls.ReloadableSslContext.TlsStartException;
import trackerd.http.tls.TestCertificates.Pem;
import trackerd.metrics.MetricBank;
import trackerd.runtime.FileChangeWatcher;
import trackerd.runtime.WorkerThreadFactory;

@Timeout(120)
class ReloadableSslContextTest {
    @TempDir
    Path dir;

    private final ListAppender<ILoggingEvent> log = new ListAppender<>();
    private final Logger logger = (Logger) LoggerFactory.getLogger(ReloadableSslContext.class);
    private MetricBank bank;
    /** The files the tracker is configured with; other pairs are copied over them. */
    private Pem live;
    private Pem one;

    @BeforeEach
    void setUp() throws Exception {
        log.start();
        logger.addAppender(log);
        bank = new MetricBank(new SimpleMeterRegistry());
        one = TestCertificates.ec(dir, "one");
        Path liveDir = Files.createDirectories(dir.resolve("live"));
        live = new Pem(liveDir.resolve("cert.pem"), liveDir.resolve("key.pem"), "one");
        Files.copy(one.cert(), live.cert());
        Files.copy(one.key(), live.key());
    }

    @AfterEach
    void tearDown() {
        logger.detachAppender(log);
    }

    @ParameterizedTest
    @EnumSource(value = TlsProvider.class, names = {"JDK", "OPENSSL"})
    void shouldLoadAnEcdsaPairWithEitherProvider(TlsProvider provider) throws Exception {
        ReloadableSslContext tls = open(provider);
        assertTrue(tls.current().isServer());
        assertEquals(provider == TlsProvider.JDK ? SslProvider.JDK : SslProvider.OPENSSL, tls.provider());
        assertEquals("CN=one", subject(tls));
        assertEquals(List.of("http/1.1"), tls.current().applicationProtocolNegotiator().protocols());
        assertEquals(1.0, reloads("ok"));
        assertEquals(tls.certificate().getNotAfter().toInstant().getEpochSecond(),
            bank.registry().get("tracker_tls_certificate_expiry_timestamp_seconds").gauge().value());
        assertTrue(lines(Level.INFO).get(0).contains("CN=one"), lines(Level.INFO).toString());
    }

    @Test
    void autoShouldPickBoringSslWhereItLoads() throws Exception {
        assertTrue(OpenSsl.isAvailable(), "the bundled BoringSSL should load on this machine: "
            + OpenSsl.unavailabilityCause());
        ReloadableSslContext tls = open(TlsProvider.AUTO);
        assertEquals(SslProvider.OPENSSL, tls.provider());
        assertTrue(lines(Level.INFO).get(0).contains("chosen by auto"), lines(Level.INFO).toString());
    }

    @Test
    void shouldLoadAnRsaPair() throws Exception {
        TestCertificates.rsa(dir, "rsa").installAs(live);
        ReloadableSslContext tls = open(TlsProvider.OPENSSL);
        assertEquals("CN=rsa", subject(tls));
    }

    @Test
    void reloadShouldPutANewPairInForceAndLogItsSubjectAndExpiry() throws Exception {
        ReloadableSslContext tls = open(TlsProvider.OPENSSL);
        SslContext before = tls.current();
        Pem two = TestCertificates.ec(dir, "two");
        two.installAs(live);
        assertTrue(tls.reload());
        assertEquals("CN=two", subject(tls));
        assertTrue(before != tls.current());
        String line = lines(Level.INFO).get(1);
        assertTrue(line.contains("CN=two") && line.contains(tls.certificate().getNotAfter().toInstant().toString()), line);
        assertEquals(2.0, reloads("ok"));
    }

    @Test
    void missingFileShouldKeepTheOldPairAndSayWhich() throws Exception {
        ReloadableSslContext tls = open(TlsProvider.JDK);
        Files.delete(live.cert());
        assertKeptWith(tls, "cert.pem");
    }

    @Test
    void unparsableCertificateShouldKeepTheOldPair() throws Exception {
        ReloadableSslContext tls = open(TlsProvider.OPENSSL);
        Files.writeString(live.cert(), "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n");
        assertKeptWith(tls, "not PEM X.509");
    }

    @Test
    void emptyKeyFileShouldKeepTheOldPair() throws Exception {
        ReloadableSslContext tls = open(TlsProvider.OPENSSL);
        Files.writeString(live.key(), "");
        assertKeptWith(tls, "no BEGIN PRIVATE KEY block");
    }

    /** A renewal that wrote the new certificate but not yet its key must not be served. */
    @Test
    void keyOfAnotherCertificateShouldKeepTheOldPair() throws Exception {
        ReloadableSslContext tls = open(TlsProvider.OPENSSL);
        Files.copy(TestCertificates.ec(dir, "two").cert(), live.cert(), REPLACE_EXISTING);
        assertKeptWith(tls, "does not match the certificate");
    }

    @Test
    void rsaKeyForAnEcCertificateShouldKeepTheOldPair() throws Exception {
        ReloadableSslContext tls = open(TlsProvider.JDK);
        Files.copy(TestCertificates.rsa(dir, "rsa").key(), live.key(), REPLACE_EXISTING);
        assertKeptWith(tls, "does not match the certificate");
    }

    @Test
    void traditionalKeyShouldBeRefusedWithTheCommandThatConvertsIt() throws Exception {
        ReloadableSslContext tls = open(TlsProvider.OPENSSL);
        TestCertificates.traditionalKey(one, live.key());
        assertKeptWith(tls, "openssl pkcs8 -topk8 -nocrypt");
    }

    @Test
    void expiredCertificateShouldBeRefusedOnReloadButOnlyWarnedAtStart() throws Exception {
        Clock inThreeDays = Clock.offset(Clock.systemUTC(), Duration.ofDays(3)); // the certificates last two
        ReloadableSslContext tls = ReloadableSslContext.open(live.cert(), live.key(), TlsProvider.OPENSSL, bank,
            inThreeDays);
        assertEquals(1, lines(Level.WARN).size(), "start goes on, with a warning");
        TestCertificates.ec(dir, "two").installAs(live);
        assertKeptWith(tls, "expired at");
    }

    @Test
    void badPairAtStartShouldNameTheKeyToFix() throws Exception {
        Files.writeString(live.key(), "junk");
        TlsStartException e = assertThrows(TlsStartException.class, () -> open(TlsProvider.JDK));
        assertEquals("http.tls.key_path", e.key());
        Files.copy(one.key(), live.key(), REPLACE_EXISTING);
        Files.writeString(live.cert(), "junk");
        bank = new MetricBank(new SimpleMeterRegistry());
        e = assertThrows(TlsStartException.class, () -> open(TlsProvider.JDK));
        assertEquals("http.tls.cert_path", e.key());
    }

    /**
     * A renewal writes the key, then the chain. The watcher acts once both have settled, so the
     * new key is never tried with the old chain (which would log a failure for a good renewal).
     */
    @Test
    void watcherShouldLoadARenewalOnceAfterBothFilesSettle() throws Exception {
        ReloadableSslContext tls = open(TlsProvider.OPENSSL);
        Pem two = TestCertificates.ec(dir, "two");
        try (FileChangeWatcher watcher = steppedWatcher(tls)) {
            Files.copy(two.key(), live.key(), REPLACE_EXISTING);
            watcher.check();                                   // sees the new key alone...
            Files.copy(two.cert(), live.cert(), REPLACE_EXISTING);
            watcher.check();                                   // ...then both: still moving
            assertEquals("CN=one", subject(tls));
            watcher.check();                                   // settled: loaded
            watcher.check();
            assertEquals("CN=two", subject(tls));
            assertEquals(0.0, reloads("failed"));
            assertEquals(2.0, reloads("ok"), "the start and one reload");
        }
    }

    /** With its real timer: the change is picked up without anyone calling reload. */
    @Test
    void watcherTimerShouldPickUpAChange() throws Exception {
        ReloadableSslContext tls = open(TlsProvider.JDK);
        Pem two = TestCertificates.ec(dir, "two");
        CountDownLatch reloaded = new CountDownLatch(1);
        Runnable onChange = () -> {
            if (tls.reload()) reloaded.countDown();
        };
        try (FileChangeWatcher watcher = new FileChangeWatcher(List.of(live.cert(), live.key()), onChange, 10,
                new WorkerThreadFactory("tls-watcher-test", (t, e) -> e.printStackTrace()))) {
            two.installAs(live);
            assertTrue(reloaded.await(30, TimeUnit.SECONDS), "no reload within 30 s of polls every 10 ms");
            assertEquals("CN=two", subject(tls));
        }
    }

    private void assertKeptWith(ReloadableSslContext tls, String reason) {
        SslContext before = tls.current();
        String subject = subject(tls);
        int errors = lines(Level.ERROR).size();
        assertFalse(tls.reload());
        assertSame(before, tls.current());
        assertEquals(subject, subject(tls));
        List<String> newErrors = lines(Level.ERROR).subList(errors, lines(Level.ERROR).size());
        assertEquals(1, newErrors.size(), "one line per failed reload: " + newErrors);
        assertTrue(newErrors.get(0).contains(reason) && newErrors.get(0).contains("keeping"), newErrors.get(0));
        assertEquals(0.0, bank.registry().get("tracker_tls_last_reload_ok").gauge().value());
        assertTrue(reloads("failed") >= 1);
    }

    private ReloadableSslContext open(TlsProvider provider) throws TlsStartException {
        return ReloadableSslContext.open(live.cert(), live.key(), provider, bank);
    }

    private FileChangeWatcher steppedWatcher(ReloadableSslContext tls) {
        return new FileChangeWatcher(List.of(live.cert(), live.key()), tls::reload, Long.MAX_VALUE / 4,
            new WorkerThreadFactory("tls-watcher-test", (t, e) -> e.printStackTrace()));
    }

    private double reloads(String result) {
        return bank.registry().get("tracker_tls_reloads").tag("result", result).functionCounter().count();
    }

    private List<String> lines(Level level) {
        return log.list.stream().filter(e -> e.getLevel() == level).map(ILoggingEvent::getFormattedMessage).toList();
    }

    private static String subject(ReloadableSslContext tls) {
        return tls.certificate().getSubjectX500Principal().getName();
    }
}
