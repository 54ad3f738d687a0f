package org.portico.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.portico.store.testing.ManualTicker;

/**
 * A cluster node alone in its view, although {@code cluster.members} lists others, is not ready until another member
 * joins its view or {@code cluster.formTimeout} has passed since it joined; on Portico's clock, moved by hand.
 */
class ClusterReadinessTest {

    private static final Duration FORM = Duration.ofSeconds(15);
    private final ManualTicker clock = new ManualTicker();
    private final AtomicReference<Set<String>> view = new AtomicReference<>(Set.of("node0"));

    private static ClusterConfig node0(List<String> members) {
        return ClusterConfig.builder().enabled(true).name("portico-test").nodeName("node0").bindPort(7800)
                .members(members).internalUrl("http://127.0.0.1:7070").formTimeout(FORM).build();
    }

    private static final List<String> THREE = List.of("127.0.0.1:7800", "127.0.0.1:7801", "127.0.0.1:7802");

    /** Joined now, on the manual clock. */
    private ClusterReadiness joined(ClusterConfig config) {
        clock.advance(Duration.ofMinutes(3)); // joined at some time other than the clock's zero
        return new ClusterReadiness(config, view::get, clock, clock.read());
    }

    @Test
    void aSinglePorticoIsAlwaysReady() {
        assertEquals(Optional.empty(), ClusterReadiness.NONE.check());
        assertEquals(Optional.empty(), new ClusterReadiness(ClusterConfig.OFF, Set::of, clock, 0).check());
    }

    @Test
    void aNodeThatListsNoOtherMemberIsReadyAloneAtOnce() {
        assertEquals(Optional.empty(), joined(node0(List.of())).check(), "no members listed");
        assertEquals(Optional.empty(), joined(node0(List.of("127.0.0.1:7800"))).check(), "only itself listed");
    }

    @Test
    void aNodeAloneWhileOthersAreListedIsNotReadyUntilTheFormTimeoutHasPassed() {
        ClusterReadiness readiness = joined(node0(THREE));
        Optional<String> reason = readiness.check();
        assertTrue(reason.isPresent(), "alone at once after joining");
        assertTrue(reason.get().startsWith("alone in cluster portico-test, waiting for the other listed members"),
                reason.get());
        assertTrue(reason.get().contains("15000 ms more"), reason.get());

        clock.advance(FORM.minusMillis(1));
        assertTrue(readiness.check().orElseThrow().contains("1 ms more"), "still alone, just before the timeout");
        clock.advance(Duration.ofMillis(1));
        assertEquals(Optional.empty(), readiness.check(), "the first node of a cold start serves alone after it");
        clock.advance(Duration.ofHours(1));
        assertEquals(Optional.empty(), readiness.check(), "and stays ready");
    }

    @Test
    void aNodeWithAnotherMemberInItsViewIsReadyAtOnce() {
        ClusterReadiness readiness = joined(node0(THREE));
        assertTrue(readiness.check().isPresent());

        clock.advance(Duration.ofSeconds(4));
        view.set(Set.of("node0", "node2"));
        assertEquals(Optional.empty(), readiness.check(), "merged with (or joined by) another member");

        view.set(Set.of("node1", "node0", "node2"));
        assertEquals(Optional.empty(), joined(node0(THREE)).check(), "joined the running cluster: ready at once");
    }

    @Test
    void aNodeLeftAloneAgainBeforeTheTimeoutWaitsForItAndTheOnlySurvivorAfterItStaysReady() {
        ClusterReadiness readiness = joined(node0(THREE));
        view.set(Set.of("node0", "node1"));
        assertEquals(Optional.empty(), readiness.check());

        clock.advance(Duration.ofSeconds(5));
        view.set(Set.of("node0"));
        assertTrue(readiness.check().orElseThrow().contains("10000 ms more"), "alone again, soon after joining");

        clock.advance(Duration.ofSeconds(10));
        assertEquals(Optional.empty(), readiness.check(), "the only one left serves alone");
    }

    @Test
    void aFormTimeoutOfZeroIsReadyAloneAtOnceAsBefore() {
        ClusterConfig config = ClusterConfig.builder().enabled(true).nodeName("node0").bindPort(7800).members(THREE)
                .internalUrl("http://127.0.0.1:7070").formTimeout(Duration.ZERO).build();
        assertEquals(Optional.empty(), joined(config).check());
    }
}
