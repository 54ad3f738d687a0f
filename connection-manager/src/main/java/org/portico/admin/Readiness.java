package org.portico.admin;

import java.util.Optional;
import org.portico.cluster.ClusterReadiness;
import org.portico.session.SessionGate;

/**
 * What {@code GET /readyz} answers: whether a load balancer should send new sessions here. Not while draining (the
 * {@link SessionGate} is closed), not while this cluster node may be a split-off half of its cluster
 * ({@link ClusterReadiness}), and not while no configured upstream accepts a connection ({@link UpstreamProbe}); in
 * that order, so the cheap answers come first and the drain wins over everything. It keeps no state: the gate is
 * the drain's, the cluster's view the directory's, the upstream answer the probe's.
 */
final class Readiness {

    /**
     * One answer.
     *
     * @param ready  whether new sessions are welcome (200) or not (503)
     * @param detail the body: why, in a few words
     */
    record Answer(boolean ready, String detail) {
    }

    private final SessionGate gate;
    private final ClusterReadiness cluster;
    private final UpstreamProbe upstream;

    Readiness(SessionGate gate, ClusterReadiness cluster, UpstreamProbe upstream) {
        this.gate = gate;
        this.cluster = cluster;
        this.upstream = upstream;
    }

    Answer check() {
        if (!gate.isOpen()) {
            return new Answer(false, "draining");
        }
        Optional<String> alone = cluster.check();
        if (alone.isPresent()) {
            return new Answer(false, "not ready: " + alone.get());
        }
        UpstreamProbe.Answer reachable = upstream.check();
        return new Answer(reachable.reachable(), (reachable.reachable() ? "ready: " : "not ready: ")
                + reachable.detail());
    }

    @Override
    public String toString() {
        return "Readiness[" + gate + ", " + cluster + ", " + upstream + "]";
    }
}
