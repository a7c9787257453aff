package trackerd.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The {@code [cluster]} keys: off by default, and each bad value names its key. */
class ClusterConfigTest {

    @Test
    void clusterShouldBeOffByDefaultWithOneLocalRedis() throws Exception {
        TrackerConfig.Cluster cluster = ConfigLoader.defaults().cluster();
        assertFalse(cluster.enabled());
        assertEquals(List.of("redis://127.0.0.1:6379"), cluster.redis());
        assertFalse(cluster.redisCluster());
        assertEquals(100, cluster.publishIntervalMs());
        assertEquals(2, cluster.heartbeatSeconds());
    }

    @Test
    void enabledClusterWithoutNodeIdShouldGetHostNamePlusARandomSuffix() throws Exception {
        String a = ConfigLoader.loadString("[cluster]\nenabled = true\n", List.of()).cluster().nodeId();
        String b = ConfigLoader.loadString("[cluster]\nenabled = true\n", List.of()).cluster().nodeId();
        assertTrue(a.matches(".+-[0-9a-f]{6}"), a);
        assertNotEquals(a, b, "a restarted node is a new node");
    }

    @Test
    void severalUrlsShouldMeanARedisCluster() throws Exception {
        TrackerConfig.Cluster cluster = ConfigLoader.loadString(
            "[cluster]\nenabled = true\nnode_id = \"a\"\nredis = [\"redis://10.0.0.1:7000\", \"redis://:pw@10.0.0.2:7000\"]\n",
            List.of()).cluster();
        assertTrue(cluster.redisCluster());
        assertEquals("a", cluster.nodeId());
    }

    @Test
    void badValuesShouldNameTheirKey() {
        assertError("cluster.redis", "redis://", "[cluster]\nredis = [\"http://127.0.0.1:6379\"]\n");
        assertError("cluster.redis", "at least one", "[cluster]\nredis = []\n");
        assertError("cluster.redis", "no host", "[cluster]\nredis = [\"redis:///0\"]\n");
        assertError("cluster.redis", "port out of range", "[cluster]\nredis = [\"redis://127.0.0.1:99999\"]\n");
        assertError("cluster.redis", "listed twice",
            "[cluster]\nredis = [\"redis://127.0.0.1:6379\", \"redis://127.0.0.1:6379\"]\n");
        assertError("cluster.publish_interval_ms", "between", "[cluster]\npublish_interval_ms = 1\n");
        assertError("cluster.heartbeat_seconds", "between", "[cluster]\nheartbeat_seconds = 0\n");
        assertError("cluster.publish_interval_ms", "heartbeat",
            "[cluster]\npublish_interval_ms = 5000\nheartbeat_seconds = 2\n");
        assertError("cluster.node_id", "64 bytes", "[cluster]\nnode_id = \"" + "x".repeat(65) + "\"\n");
        assertError("cluster.node_id", "visible ASCII", "[cluster]\nnode_id = \"evil\\n2026 ERROR fake\"\n");
        assertError("cluster.node_id", "visible ASCII", "[cluster]\nnode_id = \"   \"\n");
    }

    private static void assertError(String key, String reason, String toml) {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.loadString(toml, List.of()));
        assertEquals(key, e.key(), e.getMessage());
        assertTrue(e.getMessage().contains(reason), e.getMessage());
    }
}
