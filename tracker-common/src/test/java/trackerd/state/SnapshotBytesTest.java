package trackerd.state;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import trackerd.state.SnapshotCodec.Status;

/** The in-memory snapshot: the same bytes as the golden file, read back, and every cut refused whole. */
class SnapshotBytesTest {
    static final long HEADER_MILLIS = 1_800_000_000_000L;

    static SnapshotBytes.Writer goldenWriter(int headroom) {
        SnapshotBytes.Writer writer = new SnapshotBytes.Writer(headroom, 4, 0xdeadbeefL, HEADER_MILLIS);
        SnapshotCodec.BlockEncoder block = new SnapshotCodec.BlockEncoder(1024);
        block.begin(SnapshotCodecTest.BLOCK_TIME);
        SnapshotCodecTest.writeRecords(block);
        writer.block(block.finish(), block.torrents(), block.peers());
        return writer;
    }

    @Test
    void shouldWriteTheStateFileBytesAfterTheHeadroom() {
        SnapshotBytes.Writer writer = goldenWriter(16);
        byte[] out = writer.finish();
        assertArrayEquals(SnapshotCodecTest.wholeFile(), Arrays.copyOfRange(out, 16, writer.size()));
        assertEquals(SnapshotCodecTest.wholeFile().length, writer.snapshotBytes());
        assertEquals(2, writer.torrents());
        assertEquals(3, writer.peers());
    }

    @Test
    void shouldReadTheRecordsBackWithAgesMovedOn() {
        SnapshotCodecTest.Recorder got = new SnapshotCodecTest.Recorder();
        SnapshotFile.LoadResult result = SnapshotBytes.read(ByteBuffer.wrap(SnapshotCodecTest.wholeFile()),
            SnapshotCodecTest.BLOCK_TIME + 20, got);
        assertEquals(Status.OK, result.status(), result.detail());
        assertEquals(3, result.peers());
        assertEquals(0xdeadbeefL, result.header().nodeId());
        assertEquals("v4 0a000001:6881 seeder age 28", got.calls.get(1));
        assertEquals(5, got.calls.size());
    }

    @Test
    void everyCutAndEveryFlippedByteShouldBeRefusedWithNothingDecoded() {
        byte[] whole = SnapshotCodecTest.wholeFile();
        for (int n = 0; n < whole.length; n++) {
            SnapshotCodecTest.Recorder got = new SnapshotCodecTest.Recorder();
            SnapshotFile.LoadResult r = SnapshotBytes.read(ByteBuffer.wrap(whole, 0, n), 0, got);
            assertTrue(r.status() != Status.OK, "cut at " + n);
            assertEquals(0, got.calls.size(), "nothing of a refused snapshot reaches the sink");
        }
        for (int i = 0; i < whole.length; i++) {
            byte[] bad = whole.clone();
            bad[i] ^= 0x40;
            SnapshotCodecTest.Recorder got = new SnapshotCodecTest.Recorder();
            SnapshotFile.LoadResult r = SnapshotBytes.read(ByteBuffer.wrap(bad), 0, got);
            assertTrue(r.status() != Status.OK, "byte " + i + " flipped");
            assertEquals(0, got.calls.size());
        }
        byte[] longer = Arrays.copyOf(whole, whole.length + 1);
        assertEquals(Status.CORRUPT, SnapshotBytes.read(ByteBuffer.wrap(longer), 0, new SnapshotCodecTest.Recorder()).status());
    }
}
