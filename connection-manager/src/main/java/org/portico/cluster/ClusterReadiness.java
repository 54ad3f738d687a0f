package org.portico.cluster;

import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether this node is part of its cluster, as readiness ({@code /readyz}) asks it: a node whose view holds only
 * itself, although {@code cluster.members} lists other nodes, may have founded a cluster of its own because its join
 * went unanswered (a loaded host, a lost discovery request). Until MERGE3 merges the halves, each half routes nothing
 * to the other, and a request for the other half's session that the balancer sends here is {@code item-not-found}:
 * terminal for the client. So such a node is not ready until another member is in its view, or until
 * {@code cluster.formTimeout} has passed since it joined: then it is taken to be the first node of a cold start, or
 * the only one left, and serves alone. A node that lists no other member expects to be alone and is ready at once;
 * one that is not clustered is always ready ({@link #NONE}).
 *
 * <p>The decision reads state owned elsewhere and keeps none of its own: the view is {@link InfinispanDirectory}'s
 * (written by its view listener, read here through {@link #view}), the join instant is final, and time is Portico's
 * injected clock. {@link #reported} is only what was last logged, written by {@link #check} alone (compare-and-set),
 * so that a change of the answer is one log line however often the balancer probes.
 */
public final class ClusterReadiness {

    private static final Logger log = LoggerFactory.getLogger(ClusterReadiness.class);

    /** A single Portico: nothing to wait for. */
    public static final ClusterReadiness NONE = new ClusterReadiness(ClusterConfig.OFF, Set::of, () -> 0, 0);

    private final ClusterConfig config;
    private final Supplier<Set<String>> view;
    private final Ticker clock;
    private final long joinedAt;
    private final AtomicBoolean reported = new AtomicBoolean(true);

    /**
     * @param config   this node's {@code cluster.*}; not enabled: always ready
     * @param view     the names of the nodes in this node's current view (its own among them)
     * @param clock    Portico's monotonic clock, in nanoseconds
     * @param joinedAt when the node joined, on {@code clock}
     */
    public ClusterReadiness(ClusterConfig config, Supplier<Set<String>> view, Ticker clock, long joinedAt) {
        this.config = config;
        this.view = view;
        this.clock = clock;
        this.joinedAt = joinedAt;
    }

    /** Readiness for a node that has just joined through {@code directory}: the wait is counted from now. */
    public static ClusterReadiness joined(InfinispanDirectory directory, ClusterConfig config, Ticker clock) {
        return new ClusterReadiness(config, directory::members, clock, clock.read());
    }

    /** Empty when this node may take traffic as far as the cluster goes; otherwise why not, for the readiness body. */
    public Optional<String> check() {
        Optional<String> reason = reason();
        if (reported.compareAndSet(reason.isPresent(), reason.isEmpty())) {
            if (reason.isPresent()) {
                log.info("cluster {}: {}", config.name(), reason.get());
            } else {
                log.info("cluster {}: ready, members {}", config.name(), view.get());
            }
        }
        return reason;
    }

    private Optional<String> reason() {
        if (!config.enabled() || !config.listsOtherMembers()
                || view.get().stream().anyMatch(node -> !node.equals(config.nodeName()))) {
            return Optional.empty();
        }
        Duration alone = Duration.ofNanos(clock.read() - joinedAt);
        if (alone.compareTo(config.formTimeout()) >= 0) {
            return Optional.empty();
        }
        return Optional.of("alone in cluster " + config.name() + ", waiting for the other listed members "
                + config.members() + " for " + config.formTimeout().minus(alone).toMillis()
                + " ms more (cluster.formTimeout " + config.formTimeout() + ")");
    }

    @Override
    public String toString() {
        return !config.enabled() ? "ClusterReadiness[not clustered]"
                : "ClusterReadiness[" + config.nodeName() + ", " + reason().orElse("ready") + "]";
    }
}
