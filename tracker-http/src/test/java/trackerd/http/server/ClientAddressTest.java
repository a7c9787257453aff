package trackerd.http.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import trackerd.net.Cidr;

/** Client addresses from sockets and proxy headers, and trusted-proxy matching, without sockets. */
class ClientAddressTest {
    private final ClientAddress address = new ClientAddress();
    private final TrustedProxies trusted = new TrustedProxies(List.of(Cidr.parse("10.0.0.0/8"),
        Cidr.parse("192.0.2.1"), Cidr.parse("2001:db8:ff::/48")));

    static ByteBuf text(String s) {
        return Unpooled.wrappedBuffer(s.getBytes(StandardCharsets.ISO_8859_1));
    }

    boolean forwardedFor(String value) {
        ByteBuf in = text(value);
        return address.parseForwardedFor(in, 0, in.writerIndex(), trusted);
    }

    @Test
    void anIpv4MappedPeerShouldBeAnIpv4Peer() throws Exception {
        address.setPeer(InetAddress.getByAddress(new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff,
            (byte) 198, 51, 100, 7}));
        assertFalse(address.ipv6, "::ffff:198.51.100.7 from a dual-stack socket");
        assertEquals(0xC6336407L, address.address0);
        address.setPeer(InetAddress.getByName("2001:db8::1"));
        assertTrue(address.ipv6);
        assertEquals(0x20010db800000000L, address.address0);
        assertEquals(1L, address.address1);
    }

    @Test
    void forwardedForShouldTakeTheRightmostUntrustedAddress() {
        assertTrue(forwardedFor("203.0.113.5, 198.51.100.7, 10.9.9.9, 192.0.2.1"));
        assertEquals(0xC6336407L, address.address0, "198.51.100.7: the proxies behind it are trusted");
        assertTrue(forwardedFor("198.51.100.7:4711"));
        assertEquals(0xC6336407L, address.address0, "a port is allowed and ignored");
        assertTrue(forwardedFor("[2001:db8::7]:443, 2001:db8:ff::1"));
        assertTrue(address.ipv6);
        assertEquals(7L, address.address1);
        assertTrue(forwardedFor("10.1.1.1, 10.2.2.2"));
        assertEquals(0x0A010101L, address.address0, "all trusted: the leftmost");
        assertTrue(forwardedFor("::ffff:198.51.100.8"));
        assertFalse(address.ipv6, "mapped: an IPv4 peer");
    }

    @Test
    void aForwardedForThatIsNotAnAddressShouldFail() {
        assertFalse(forwardedFor(""));
        assertFalse(forwardedFor("unknown"));
        assertFalse(forwardedFor("198.51.100.7, garbage"), "the rightmost entry is not an address");
        assertFalse(forwardedFor("garbage, 10.0.0.1"), "past a trusted proxy, an entry that is not an address");
        assertFalse(forwardedFor("1".repeat(100)));
    }

    @Test
    void trustedProxiesShouldMatchPrefixes() {
        assertTrue(trusted.contains(false, 0x0AFFFFFFL, 0));
        assertFalse(trusted.contains(false, 0x0B000000L, 0));
        assertTrue(trusted.contains(false, 0xC0000201L, 0));
        assertFalse(trusted.contains(false, 0xC0000202L, 0));
        assertTrue(trusted.contains(true, 0x20010db800ff1234L, 99));
        assertFalse(trusted.contains(true, 0x20010db800fe0000L, 0));
        assertFalse(trusted.contains(true, 0x0AFFFFFFL, 0), "families never mix");
        TrustedProxies everything = new TrustedProxies(List.of(Cidr.parse("0.0.0.0/0"), Cidr.parse("::/0")));
        assertTrue(everything.contains(false, 0xFFFFFFFFL, 0));
        assertTrue(everything.contains(true, -1L, -1L));
    }
}
