package org.portico.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.portico.testing.ClusterPorts;

/**
 * The session directory on a real three-node Infinispan cluster in this JVM (JGroups TCP on loopback, TCPPING):
 * ids name their node, a claim on one node routes the others to it, and a node that leaves stops being named at
 * once, its entries then purged (docs/cluster.md, "Failure").
 */
class InfinispanDirectoryTest {

    private static final Duration PATIENCE = Duration.ofSeconds(20);
    private final List<InfinispanDirectory> nodes = new ArrayList<>();

    private static ClusterConfig config(int node) {
        List<String> members = IntStream.range(0, 3).mapToObj(n -> "127.0.0.1:" + ClusterPorts.directoryJgroups(n))
                .toList();
        return ClusterConfig.builder().enabled(true).name("directory-test").nodeName("node" + node)
                .bindPort(ClusterPorts.directoryJgroups(node)).members(members)
                .failureDetectionOffset(ClusterPorts.FAILURE_DETECTION_OFFSET)
                .internalUrl("http://127.0.0.1:" + (9000 + node)).publicUrl("https://node" + node + ".example")
                .build();
    }

    /** Three nodes, joined one after the other, each seeing all three. */
    private void startThree() throws InterruptedException {
        for (int n = 0; n < 3; n++) {
            nodes.add(InfinispanDirectory.join(config(n)));
        }
        for (InfinispanDirectory node : nodes) {
            await(() -> node.members().size() == 3, node + " sees three members");
        }
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + PATIENCE + ": " + what);
            }
            Thread.sleep(20);
        }
    }

    @AfterEach
    void leave() {
        nodes.forEach(InfinispanDirectory::close);
    }

    @Test
    void aSessionIdNamesItsNodeAndEveryOtherNodeRoutesToThatNode() throws Exception {
        startThree();
        String id = nodes.get(0).newId("AbC-_09");
        assertEquals("node0~AbC-_09", id);
        nodes.get(0).claim(id);

        SessionDirectory.Node owner = new SessionDirectory.Node("node0", "http://127.0.0.1:9000",
                "https://node0.example");
        assertEquals(Optional.of(owner), nodes.get(1).ownerElsewhere(id));
        assertEquals(Optional.of(owner), nodes.get(2).ownerElsewhere(id));
        assertEquals(Optional.empty(), nodes.get(0).ownerElsewhere(id), "the owner holds it in its own store");
        assertEquals(Optional.empty(), nodes.get(1).ownerElsewhere("node0~unknown"));

        nodes.get(0).forget(id);
        assertEquals(Optional.empty(), nodes.get(1).ownerElsewhere(id), "an ended session is routed nowhere");
    }

    @Test
    void aNodeThatLeavesIsNamedNoMoreAndItsSessionsArePurged() throws Exception {
        startThree();
        InfinispanDirectory leaving = nodes.get(2);
        List<String> ids = IntStream.range(0, 50).mapToObj(n -> leaving.newId("s" + n)).toList();
        ids.forEach(leaving::claim);
        String kept = nodes.get(0).newId("kept");
        nodes.get(0).claim(kept);
        assertTrue(nodes.get(1).ownerElsewhere(ids.get(0)).isPresent());

        nodes.remove(leaving);
        leaving.close();

        await(() -> nodes.get(1).members().equals(Set.of("node0", "node1")), "the view without node2");
        for (String id : ids) {
            assertEquals(Optional.empty(), nodes.get(1).ownerElsewhere(id), id + " is not routed to a departed node");
        }
        await(() -> nodes.get(0).size() == 1 && nodes.get(1).size() == 1, "the departed node's entries purged");
        assertEquals("node0", nodes.get(1).ownerElsewhere(kept).orElseThrow().name(), "the others' stay");
    }
}
