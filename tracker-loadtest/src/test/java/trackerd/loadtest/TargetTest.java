package trackerd.loadtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Inet6Address;
import org.junit.jupiter.api.Test;
import trackerd.config.ConfigException;

class TargetTest {
    static LoadTestConfig.Target target(String text) throws ConfigException {
        return LoadTestConfig.target(text, false);
    }

    @Test
    void shouldAcceptAddressesAndUrlsOfEveryMode() throws Exception {
        assertEquals(6969, target("udp://127.0.0.1:6969/announce").address().getPort());
        assertEquals(7000, target("[::1]:7000").address().getPort());
        assertTrue(target("udp://[::1]:1/announce").address().getAddress() instanceof Inet6Address);
        LoadTestConfig.Target https = target("HTTPS://127.0.0.1:443/a/announce?key=x");
        assertEquals("https", https.scheme());
        assertTrue(https.tls());
        assertEquals("/a/announce?key=x", https.path("http"));
        assertEquals("127.0.0.1:443", https.host());
        assertEquals("[::1]:8000", target("ws://[::1]:8000").host());
        assertTrue(target("wss://[::1]:8000").tls());
        assertFalse(target("ws://[::1]:8000").tls());
    }

    /** A host name was refused as "not an IP literal". */
    @Test
    void hostNamesShouldResolveOnceAndStayTheHostHeader() throws Exception {
        LoadTestConfig.Target named = target("http://localhost:6969/announce");
        assertTrue(named.address().getAddress().isLoopbackAddress(), named.address().toString());
        assertFalse(named.address().isUnresolved());
        assertEquals("localhost:6969", named.host());
        assertEquals(6969, target("localhost:6969").address().getPort());
        ConfigException bad = assertThrows(ConfigException.class, () -> target("udp://no-such-host.invalid:1"));
        assertTrue(bad.getMessage().contains("cannot resolve host \"no-such-host.invalid\""), bad.getMessage());
        assertThrows(ConfigException.class, () -> target("localhost:99999"));
    }

    @Test
    void pathShouldDefaultPerMode() throws Exception {
        assertEquals("/announce", target("127.0.0.1:1").path("http"));
        assertEquals("/", target("127.0.0.1:1").path("ws"));
        assertEquals("/", target("ws://127.0.0.1:1/").path("ws"));
    }

    @Test
    void schemeShouldFitTheMode() throws Exception {
        target("http://127.0.0.1:1/announce").check("http");
        target("https://127.0.0.1:1/announce").check("http");
        target("wss://127.0.0.1:1").check("ws");
        target("127.0.0.1:1").check("ws");
        ConfigException e = assertThrows(ConfigException.class, () -> target("udp://127.0.0.1:1").check("http"));
        assertTrue(e.getMessage().contains("target.address"), e.getMessage());
        assertThrows(ConfigException.class, () -> target("http://127.0.0.1:1").check("ws"));
        assertThrows(ConfigException.class, () -> target("gopher://127.0.0.1:1"));
        assertThrows(ConfigException.class, () -> target("http://tracker.example:1/announce"));
    }

    @Test
    void scrapePathShouldFollowTheBep48Convention() {
        assertEquals("/scrape", HttpSession.scrapePath("/announce"));
        assertEquals("/x/scrape.php", HttpSession.scrapePath("/x/announce.php"));
        assertEquals("/scrape?passkey=abc", HttpSession.scrapePath("/announce?passkey=abc"));
        assertNull(HttpSession.scrapePath("/a"));
        assertNull(HttpSession.scrapePath("/announce/x"));
    }
}
