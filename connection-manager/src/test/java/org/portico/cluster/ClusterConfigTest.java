package org.portico.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.portico.server.PorticoConfig;

/** {@code cluster.*} (docs/cluster.md): off by default, and every bad value refused with the key's name. */
class ClusterConfigTest {

    private static ClusterConfig.Builder node() {
        return ClusterConfig.builder().enabled(true).nodeName("node1").internalUrl("http://10.0.0.1:7070");
    }

    static Stream<Arguments> refused() {
        return Stream.of(
                Arguments.of((UnaryOperator<ClusterConfig.Builder>) b -> b.nodeName(""), "cluster.nodeName"),
                Arguments.of((UnaryOperator<ClusterConfig.Builder>) b -> b.nodeName("Node1"), "cluster.nodeName"),
                Arguments.of((UnaryOperator<ClusterConfig.Builder>) b -> b.nodeName("a~b"), "cluster.nodeName"),
                Arguments.of((UnaryOperator<ClusterConfig.Builder>) b -> b.internalUrl(""), "cluster.internalUrl"),
                Arguments.of((UnaryOperator<ClusterConfig.Builder>) b -> b.internalUrl("http://h:1/bosh"),
                        "cluster.internalUrl"),
                Arguments.of((UnaryOperator<ClusterConfig.Builder>) b -> b.publicUrl("ftp://h"), "cluster.publicUrl"),
                Arguments.of((UnaryOperator<ClusterConfig.Builder>) b -> b.members(List.of("10.0.0.1")),
                        "cluster.members"),
                Arguments.of((UnaryOperator<ClusterConfig.Builder>) b -> b.bindPort(65500), "cluster.bind"),
                Arguments.of((UnaryOperator<ClusterConfig.Builder>) b -> b.name(" "), "cluster.name"),
                Arguments.of((UnaryOperator<ClusterConfig.Builder>) b -> b.failureTimeout(Duration.ofMillis(10)),
                        "cluster.failureTimeout"),
                Arguments.of((UnaryOperator<ClusterConfig.Builder>) b -> b.forwardTimeout(Duration.ZERO),
                        "cluster.forwardTimeout"),
                Arguments.of((UnaryOperator<ClusterConfig.Builder>) b -> b.joinTimeout(Duration.ofMillis(10)),
                        "cluster.joinTimeout"),
                Arguments.of((UnaryOperator<ClusterConfig.Builder>) b -> b.formTimeout(Duration.ofSeconds(-1)),
                        "cluster.formTimeout"),
                Arguments.of((UnaryOperator<ClusterConfig.Builder>) b -> b.formTimeout(null), "cluster.formTimeout"),
                Arguments.of((UnaryOperator<ClusterConfig.Builder>) b -> b.failureDetectionOffset(0),
                        "cluster.failureDetectionOffset"));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource
    void refused(UnaryOperator<ClusterConfig.Builder> change, String key) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> change.apply(node()).build());
        assertTrue(e.getMessage().contains(key), e.getMessage());
    }

    @Test
    void aNodeIsReachedDirectlyAtItsInternalUrlUnlessAPublicOneIsGiven() {
        assertEquals("http://10.0.0.1:7070", node().internalUrl("http://10.0.0.1:7070/").build().publicUrl());
        assertEquals("https://node1.example", node().publicUrl("https://node1.example").build().publicUrl());
    }

    @Test
    void aNodeAloneWaitsFifteenSecondsForTheOthersByDefaultAndZeroIsAllowed() {
        assertEquals(Duration.ofSeconds(15), node().build().formTimeout(), "three of MERGE3's slowest rounds");
        assertEquals(Duration.ZERO, node().formTimeout(Duration.ZERO).build().formTimeout(), "ready alone at once");
    }

    @Test
    void otherMembersAreTheListedEntriesOtherThanThisNodesOwnBindAddress() {
        ClusterConfig.Builder node = node().bindHost("10.0.0.1").bindPort(7800);
        assertFalse(node.members(List.of()).build().listsOtherMembers(), "none listed");
        assertFalse(node.members(List.of("10.0.0.1:7800")).build().listsOtherMembers(), "only itself");
        assertTrue(node.members(List.of("10.0.0.1:7800", "10.0.0.2:7800")).build().listsOtherMembers());
        assertTrue(node.members(List.of("10.0.0.1:7801")).build().listsOtherMembers(), "another port");
    }

    @Test
    void theShippedConfigurationIsASinglePorticoAndTheKeysAreRead() throws Exception {
        Path shipped = Path.of("../conf/portico.properties");
        assertFalse(PorticoConfig.load(shipped, Map.of()).cluster().enabled(), "clustering is off by default");

        ClusterConfig read = PorticoConfig.load(shipped, Map.of("PORTICO_CFG_CLUSTER_ENABLED", "true",
                "PORTICO_CFG_CLUSTER_NODENAME", "node2", "PORTICO_CFG_CLUSTER_BIND", "10.0.0.2:7900",
                "PORTICO_CFG_CLUSTER_MEMBERS", "10.0.0.1:7900, 10.0.0.2:7900",
                "PORTICO_CFG_CLUSTER_INTERNALURL", "http://10.0.0.2:7070",
                "PORTICO_CFG_CLUSTER_FORWARDTIMEOUT", "3s", "PORTICO_CFG_CLUSTER_JOINTIMEOUT", "8s",
                "PORTICO_CFG_CLUSTER_FORMTIMEOUT", "20s")).cluster();
        assertEquals(ClusterConfig.builder().enabled(true).nodeName("node2").bindHost("10.0.0.2").bindPort(7900)
                .members(List.of("10.0.0.1:7900", "10.0.0.2:7900")).internalUrl("http://10.0.0.2:7070")
                .forwardTimeout(Duration.ofSeconds(3)).joinTimeout(Duration.ofSeconds(8))
                .formTimeout(Duration.ofSeconds(20)).build(), read);
    }
}
