package io.netty.channel.epoll;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.channel.unix.FileDescriptor;
import io.netty.util.Version;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/**
 * {@link DirectAcceptChannel} lives in Netty's package and calls Netty's private natives: it is
 * written for one Netty version. These tests fail loudly when the Netty on the class path is
 * another one (re-check the class against Netty's {@code AbstractEpollServerChannel} and
 * {@code EpollServerSocketChannel}, then change {@link DirectAcceptChannel#NETTY_VERSION}), or when
 * the natives it calls no longer resolve.
 */
class DirectAcceptChannelTest {
    @Test
    void nettyOnTheClassPathShouldBeTheVersionTheGlueWasWrittenFor() {
        for (String artifact : new String[] {"netty-transport-classes-epoll", "netty-transport-native-unix-common"}) {
            Version version = Version.identify().get(artifact);
            assertNotNull(version, artifact + " has no version entry");
            assertEquals(DirectAcceptChannel.NETTY_VERSION, version.artifactVersion(),
                artifact + " changed: re-check io.netty.channel.epoll.DirectAcceptChannel against it");
        }
    }

    @Test
    void theNativesItCallsShouldResolveOnLinux() {
        assumeTrue(Epoll.isAvailable(), "no epoll here");
        assertTrue(DirectAcceptChannel.isAvailable(), () -> "unavailable: " + DirectAcceptChannel.unavailabilityCause());
    }

    @Test
    void closeShouldCloseARawDescriptor() throws Exception {
        assumeTrue(DirectAcceptChannel.isAvailable());
        FileDescriptor[] pipe = FileDescriptor.pipe();
        assertEquals(0, DirectAcceptChannel.close(pipe[0].intValue()));
        ByteBuffer one = ByteBuffer.allocateDirect(1);
        // the read end is gone: a write to the pipe fails with EPIPE
        assertThrows(IOException.class, () -> pipe[1].write(one, 0, 1));
        pipe[1].close();
    }
}
