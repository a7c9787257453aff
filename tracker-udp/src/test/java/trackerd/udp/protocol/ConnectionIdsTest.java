package trackerd.udp.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ConnectionIdsTest {
    /** Key 00 01 .. 0f read little-endian, as in the SipHash paper's test vectors. */
    final SipHash24 reference = new SipHash24(0x0706050403020100L, 0x0f0e0d0c0b0a0908L);

    @Test
    void sipHashShouldMatchTheReferenceVectors() {
        // vectors_sip64[0] (empty message) and [8] (message 00 01 .. 07), as little-endian u64
        assertEquals(0x726fdb47dd0e0e31L, reference.hashWords());
        assertEquals(0x93f5f5799a932462L, reference.hashWords(0x0706050403020100L));
        assertEquals(reference.hashWords(1, 2), reference.hash(1, 2));
        assertEquals(reference.hashWords(1, 2, 3), reference.hash(1, 2, 3));
    }

    final ConnectionIds ids = ConnectionIds.withKey(new long[] {42, 43});
    final long ip = 0x7F000001L;

    @Test
    void idShouldBeValidForTheSameAddressForOneToTwoMinutes() {
        long issuedAt = 10_000;
        long id = ids.issue(issuedAt, ip, 0);
        assertTrue(ids.valid(id, issuedAt, ip, 0));
        long windowEnd = (issuedAt / 60 + 1) * 60;
        assertTrue(ids.valid(id, windowEnd + 59, ip, 0), "still valid through the next window");
        assertFalse(ids.valid(id, windowEnd + 60, ip, 0), "expired after that");
        assertFalse(ids.valid(id, issuedAt - 60, ip, 0), "an id from the future is refused");
    }

    @Test
    void idShouldStayValidAcrossARestartWithTheSameKeyAndWallClockWindows() {
        long[] key = {42, 43};
        long firstStart = 1_800_000_000L; // wall-clock seconds at the first process's start
        ConnectionIds before = ConnectionIds.withKey(key, firstStart);
        long id = before.issue(3_000, ip, 0); // 3,000 s after that start
        long secondStart = firstStart + 3_010; // restarted 10 s later: its clock starts at 0 again
        ConnectionIds after = ConnectionIds.withKey(key, secondStart);
        assertTrue(after.valid(id, 5, ip, 0), "issued 15 s before by the previous process");
        assertFalse(ConnectionIds.withKey(key).valid(id, 5, ip, 0), "windows counted from start would refuse it");
        assertFalse(ConnectionIds.withKey(new long[] {1, 2}, secondStart).valid(id, 5, ip, 0), "a new key refuses it");
    }

    @Test
    void idShouldNotServeAnotherAddressOrAnotherKey() {
        long id = ids.issue(500, ip, 0);
        assertFalse(ids.valid(id, 500, ip + 1, 0));
        assertFalse(ids.valid(id, 500, 0x20010db800000000L, 1));
        assertFalse(ConnectionIds.withKey(new long[] {42, 44}).valid(id, 500, ip, 0), "a restart changes the key");
    }

    @Test
    void flippingAnyBitShouldInvalidateTheId() {
        long id = ids.issue(777, ip, 0);
        for (int bit = 0; bit < 64; bit++) {
            assertFalse(ids.valid(id ^ (1L << bit), 777, ip, 0), "bit " + bit);
        }
    }

    @Test
    void windowCounterShouldWrapAround() {
        long late = 60L * 0x1_0000 * 3 + 5; // the 16-bit window field has wrapped three times
        long id = ids.issue(late, ip, 0);
        assertTrue(ids.valid(id, late + 60, ip, 0));
        assertFalse(ids.valid(id, late + 120, ip, 0));
    }
}
