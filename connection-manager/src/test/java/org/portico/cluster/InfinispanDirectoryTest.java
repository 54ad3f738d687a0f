package org.portico.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.infinispan.context.Flag;
import org.jgroups.protocols.DISCARD;
import org.jgroups.protocols.TCP;
import org.jgroups.stack.ProtocolStack;
import org.junit.jupiter.api.Test;
import org.portico.store.testing.ManualTicker;
import org.portico.testing.ClusterPorts;

/**
 * The session directory on a real three-node Infinispan cluster in this JVM (JGroups TCP on loopback, TCPPING):
 * ids name their node, a claim on one node routes the others to it, and a node that leaves stops being named at
 * once, its entries then purged, and a cluster that split and merged routes to every node again (docs/cluster.md,
 * "Failure").
 */
class InfinispanDirectoryTest {

    private static final Duration PATIENCE = Duration.ofSeconds(20);
    private final List<InfinispanDirectory> nodes = new ArrayList<>();
    /** What ended a thread of a directory; nothing may (a failed purge is a log line). */
    private final List<Throwable> uncaught = new CopyOnWriteArrayList<>();
    private Thread.UncaughtExceptionHandler previous;

    private static ClusterConfig config(int node) {
        return builder(node).build();
    }

    private static ClusterConfig.Builder builder(int node) {
        List<String> members = IntStream.range(0, 3).mapToObj(n -> "127.0.0.1:" + ClusterPorts.directoryJgroups(n))
                .toList();
        return ClusterConfig.builder().enabled(true).name("directory-test").nodeName("node" + node)
                .bindPort(ClusterPorts.directoryJgroups(node)).members(members)
                .failureDetectionOffset(ClusterPorts.FAILURE_DETECTION_OFFSET)
                .internalUrl("http://127.0.0.1:" + (9000 + node)).publicUrl("https://node" + node + ".example")
                // the least allowed: a node cut off leaves the others' view in about a second
                .failureTimeout(Duration.ofSeconds(1));
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

    @BeforeEach
    void watchTheDirectorysThreads() {
        previous = Thread.getDefaultUncaughtExceptionHandler();
        Thread.setDefaultUncaughtExceptionHandler((thread, e) -> {
            if (thread.getName().startsWith("portico-cluster")) {
                uncaught.add(e);
            } else if (previous != null) {
                previous.uncaughtException(thread, e);
            } else {
                thread.getThreadGroup().uncaughtException(thread, e);
            }
        });
    }

    /**
     * The nodes leave one after the other, so each but the last is purged by a node that is itself about to stop:
     * the purge it cuts short is a DEBUG line, not a thread ended by an exception on standard error.
     */
    @AfterEach
    void leave() {
        try {
            nodes.forEach(InfinispanDirectory::close);
        } finally {
            Thread.setDefaultUncaughtExceptionHandler(previous);
        }
        assertEquals(List.of(), uncaught.stream().map(Throwable::toString).toList(),
                "exceptions that ended a directory thread");
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

    /**
     * The failure behind a lost rolling restart: a node that restarts may found a cluster of its own before it finds
     * the others, and the halves merge seconds later. Infinispan tells a merge only to merge listeners; a directory
     * that listened for views alone kept each half's members, and every request for a session of the other half was
     * refused as an unknown sid. Here a network cut makes the split: node0 drops every message for a while.
     */
    @Test
    void aClusterThatSplitAndMergedRoutesEverySessionToItsOwnerAgain() throws Exception {
        startThree();
        InfinispanDirectory cut = nodes.get(0);
        String before = cut.newId("before");
        cut.claim(before);
        await(() -> nodes.get(1).ownerElsewhere(before).isPresent(), "a claim seen before the cut");

        cut.channel().getProtocolStack().insertProtocol(new DISCARD().discardAll(true), ProtocolStack.Position.ABOVE,
                TCP.class);
        await(() -> cut.members().equals(Set.of("node0"))
                && nodes.get(1).members().equals(Set.of("node1", "node2")), "the split into node0 and the others");
        String alone = cut.newId("alone");
        cut.claim(alone);
        String others = nodes.get(1).newId("others");
        nodes.get(1).claim(others);
        String ended = nodes.get(2).newId("ended");
        nodes.get(2).claim(ended);
        nodes.get(2).forget(ended);

        cut.channel().getProtocolStack().removeProtocol(DISCARD.class);
        for (InfinispanDirectory node : nodes) {
            await(() -> node.members().size() == 3, node + " sees the merged view");
        }
        for (InfinispanDirectory node : nodes.subList(1, 3)) {
            await(() -> node.ownerElsewhere(alone).isPresent() && node.ownerElsewhere(before).isPresent(),
                    node + " routes node0's sessions, made before and during the split");
            assertEquals("http://127.0.0.1:9000", node.ownerElsewhere(alone).orElseThrow().internalUrl());
        }
        await(() -> cut.ownerElsewhere(others).isPresent(), "node0 routes a session the others made meanwhile");
        assertEquals("node1", cut.ownerElsewhere(others).orElseThrow().name());
        assertEquals(Optional.empty(), cut.ownerElsewhere(ended), "a session that ended meanwhile is routed nowhere");
    }

    /**
     * The failure behind a lost rolling restart, after the merge: Infinispan merges the caches after the merged view,
     * and a merge whose conflict resolution fails (a member left during it) can leave the other nodes' copies without
     * a node's entries while its own copy keeps them; the others then refused its sessions as unknown sids for good.
     * Here the other nodes' copies lose node0's session and URLs; the next topology of the caches, a fourth node
     * joining, has node0 write them again.
     */
    @Test
    void entriesLostFromTheOtherNodesCopiesAreWrittenAgainAtTheNextTopologyChange() throws Exception {
        startThree();
        InfinispanDirectory owner = nodes.get(0);
        String id = owner.newId("kept");
        owner.claim(id);
        for (InfinispanDirectory other : nodes.subList(1, 3)) {
            await(() -> other.ownerElsewhere(id).isPresent(), other + " routes node0's session");
            other.sessionsCache().getAdvancedCache().withFlags(Flag.CACHE_MODE_LOCAL).remove(id);
            other.nodesCache().getAdvancedCache().withFlags(Flag.CACHE_MODE_LOCAL).remove("node0");
            assertEquals(Optional.empty(), other.ownerElsewhere(id), other + " lost node0's entries");
        }

        nodes.add(InfinispanDirectory.join(config(3)));
        for (InfinispanDirectory other : nodes.subList(1, 4)) {
            await(() -> other.ownerElsewhere(id).isPresent(), other + " routes node0's session again");
            assertEquals("http://127.0.0.1:9000", other.ownerElsewhere(id).orElseThrow().internalUrl());
        }
    }

    /**
     * Readiness of a node that founded the cluster while the others it lists are not there: alone in its view, it is
     * not ready (its clock stands still, so the form timeout never passes) until another listed node joins it.
     */
    @Test
    void aNodeAloneInItsViewIsReadyOnceAnotherListedNodeJoinsIt() throws Exception {
        ClusterConfig first = builder(0).joinTimeout(Duration.ofMillis(100)).build();
        nodes.add(InfinispanDirectory.join(first));
        ClusterReadiness readiness = ClusterReadiness.joined(nodes.get(0), first, new ManualTicker());
        assertEquals(Set.of("node0"), nodes.get(0).members());
        assertTrue(readiness.check().isPresent(), "alone although node1 and node2 are listed: " + readiness);

        nodes.add(InfinispanDirectory.join(config(1)));
        await(() -> readiness.check().isEmpty(), "node0 ready once node1 is in its view");
        assertFalse(ClusterReadiness.joined(nodes.get(1), config(1), new ManualTicker()).check().isPresent(),
                "node1 joined a running cluster: ready at once");
    }
}
