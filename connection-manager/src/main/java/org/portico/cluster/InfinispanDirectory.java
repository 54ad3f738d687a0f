package org.portico.cluster;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiPredicate;
import org.infinispan.Cache;
import org.infinispan.commons.IllegalLifecycleStateException;
import org.infinispan.configuration.cache.CacheMode;
import org.infinispan.configuration.cache.ConfigurationBuilder;
import org.infinispan.configuration.global.GlobalConfigurationBuilder;
import org.infinispan.conflict.MergePolicy;
import org.infinispan.context.Flag;
import org.infinispan.factories.GlobalComponentRegistry;
import org.infinispan.manager.DefaultCacheManager;
import org.infinispan.notifications.Listener;
import org.infinispan.notifications.cachelistener.annotation.TopologyChanged;
import org.infinispan.notifications.cachelistener.event.Event;
import org.infinispan.notifications.cachelistener.event.TopologyChangedEvent;
import org.infinispan.notifications.cachemanagerlistener.annotation.Merged;
import org.infinispan.notifications.cachemanagerlistener.annotation.ViewChanged;
import org.infinispan.notifications.cachemanagerlistener.event.MergeEvent;
import org.infinispan.notifications.cachemanagerlistener.event.ViewChangedEvent;
import org.infinispan.remoting.transport.Address;
import org.infinispan.remoting.transport.Transport;
import org.infinispan.remoting.transport.jgroups.JGroupsTransport;
import org.jgroups.JChannel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A cluster node's {@link SessionDirectory}: embedded Infinispan over a JGroups TCP channel that finds its peers from
 * a static list (TCPPING, no multicast). Two replicated caches hold the directory: {@code sessions} (session id →
 * owning node's name) and {@code nodes} (node name → its URLs). Ids are {@code <node>~<random>}.
 *
 * <p>When a node leaves the view (stopped, killed: its failure-detection socket closes; hung: after
 * {@code cluster.failureTimeout}) {@link #ownerElsewhere} stops naming it at once, because it reads the members of
 * the current view; the coordinator then removes the departed node's entries from both caches. Infinispan owns the
 * caches and their consistency; {@link #members} is written only by the view listener and read by anyone.
 *
 * <p>A cluster that split (a node that restarted and founded a cluster of its own before it found the others, a
 * network cut) merges again when the halves find each other. Infinispan then tells only its merge listeners, not its
 * view listeners, so the view listener takes both: without the merge, every node kept the members of its own half
 * and routed nothing to the other. Each half wrote claims the other never saw, and the merge keeps an entry if either
 * half had it, when it can: Infinispan merges the caches after the merged view, and a merge that ignores one half's
 * topology, or whose conflict resolution fails (a member left meanwhile), leaves copies without that half's entries.
 * So every node writes again what it owns ({@link #owned}: its URLs and its live sessions), and removes the entries
 * naming it that it no longer owns, each time a topology of either cache is installed with this node a member and no
 * rebalance under way (the topology listener): after the merge has settled, and after any later join or leave,
 * which repairs what a failed merge lost. {@link #reclaimQueued} is set by the topology listener and cleared by the
 * reclaim it queued, so that a burst of topologies costs one or two reclaims, not one each.
 */
public final class InfinispanDirectory implements SessionDirectory, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(InfinispanDirectory.class);
    /** Between the node name and the random part of an id: outside base64url, so an id splits one way only. */
    static final char SEPARATOR = '~';
    private static final String SESSIONS = "portico-sessions";
    private static final String NODES = "portico-nodes";
    /** Between a node's internal and public URL in the {@code nodes} cache: URLs hold no space. */
    private static final String URL_SEPARATOR = " ";

    private final ClusterConfig config;
    private final DefaultCacheManager manager;
    private final Cache<String, String> sessions;
    private final Cache<String, String> nodes;
    /**
     * Purges and reclaims run here ({@link #inBackground}), off Infinispan's notification thread, which must not
     * block on cache writes.
     */
    private final ExecutorService purges = Executors.newSingleThreadExecutor(Thread.ofVirtual()
            .name("portico-cluster-purge").factory());
    /** Set by {@link #close()}: from then on a purge that fails was cut short by the stop, not by the cluster. */
    private volatile boolean closing;
    /** Names of the nodes in the current view; replaced whole by the view listener. */
    private volatile Set<String> members;
    /** Ids of the sessions living on this node: what it writes again after a topology change. */
    private final Set<String> owned = ConcurrentHashMap.newKeySet();
    /** Whether a reclaim is queued and not yet started: another topology then needs none of its own. */
    private final AtomicBoolean reclaimQueued = new AtomicBoolean();

    private InfinispanDirectory(ClusterConfig config, DefaultCacheManager manager) {
        this.config = config;
        this.manager = manager;
        this.sessions = manager.getCache(SESSIONS);
        this.nodes = manager.getCache(NODES);
        this.members = names(manager.getMembers());
    }

    /**
     * Joins the cluster (or founds it, when no listed member answers) and publishes this node's URLs. Blocks for
     * the join: seconds at most.
     *
     * @throws IllegalStateException when the channel cannot bind or Infinispan cannot start
     */
    public static InfinispanDirectory join(ClusterConfig config) {
        if (!config.enabled()) {
            throw new IllegalArgumentException("cluster.enabled is false");
        }
        GlobalConfigurationBuilder global = GlobalConfigurationBuilder.defaultClusteredBuilder();
        global.transport().clusterName(config.name()).nodeName(config.nodeName())
                .addProperty(JGroupsTransport.CHANNEL_CONFIGURATOR, new TcpPingStack(config));
        // Portico's own metrics are Prometheus' on the admin listener; Infinispan's would need Micrometer
        global.metrics().gauges(false).histograms(false);
        ConfigurationBuilder replicated = new ConfigurationBuilder();
        // after a split, an entry that either half has survives the merge: a claim made in one half is not lost
        // because the other half, which never saw it, was preferred
        replicated.clustering().cacheMode(CacheMode.REPL_SYNC).partitionHandling()
                .mergePolicy(MergePolicy.PREFERRED_NON_NULL);
        DefaultCacheManager manager = new DefaultCacheManager(global.build(), false);
        manager.defineConfiguration(SESSIONS, replicated.build());
        manager.defineConfiguration(NODES, replicated.build());
        try {
            manager.start();
            InfinispanDirectory directory = new InfinispanDirectory(config, manager);
            manager.addListener(directory.new ViewListener());
            TopologyListener topologies = directory.new TopologyListener();
            directory.sessions.addListener(topologies);
            directory.nodes.addListener(topologies);
            directory.nodes.put(config.nodeName(), directory.urls());
            directory.members = names(manager.getMembers());
            log.info("cluster {}: node {} joined, members {}", config.name(), config.nodeName(), directory.members);
            return directory;
        } catch (RuntimeException e) {
            manager.stop();
            throw new IllegalStateException("cluster node " + config.nodeName() + " could not join on "
                    + config.bindHost() + ":" + config.bindPort() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String newId(String random) {
        return config.nodeName() + SEPARATOR + random;
    }

    private String urls() {
        return config.internalUrl() + URL_SEPARATOR + config.publicUrl();
    }

    @Override
    public void claim(String id) {
        owned.add(id);
        sessions.put(id, config.nodeName());
    }

    @Override
    public void forget(String id) {
        owned.remove(id);
        try {
            sessions.remove(id);
        } catch (IllegalLifecycleStateException e) {
            // this node is leaving: sessions ended by its stop are purged by the coordinator with the rest
            log.debug("session {} not removed from the directory: {}", id, e.toString());
        }
    }

    @Override
    public Optional<Node> ownerElsewhere(String id) {
        String owner = sessions.get(id);
        if (owner == null || owner.equals(config.nodeName()) || !members.contains(owner)) {
            return Optional.empty();
        }
        String urls = nodes.get(owner);
        if (urls == null) {
            return Optional.empty();
        }
        int space = urls.indexOf(URL_SEPARATOR);
        return Optional.of(new Node(owner, urls.substring(0, space), urls.substring(space + 1)));
    }

    /** The names of the nodes in the current view. */
    public Set<String> members() {
        return members;
    }

    /** How many sessions the directory knows, on every node together. */
    public int size() {
        return sessions.size();
    }

    private static Set<String> names(List<Address> addresses) {
        Set<String> names = new HashSet<>();
        for (Address address : addresses) {
            names.add(address.toString());
        }
        return Set.copyOf(names);
    }

    /** The coordinator removes what the departed nodes owned; every node reads the view at once regardless. */
    private void purge(Set<String> departed) {
        if (departed.isEmpty() || !manager.isCoordinator()) {
            return;
        }
        int removed = removeSessions((id, owner) -> departed.contains(owner));
        departed.forEach(nodes::remove);
        log.info("cluster {}: forgot {} sessions of departed nodes {}", config.name(), removed, departed);
    }

    /**
     * This node's URLs and live sessions written again, whatever this node's own copy holds (another's may have lost
     * them), and its entries for ended sessions removed.
     */
    private void reclaim() {
        reclaimQueued.set(false);
        String me = config.nodeName();
        nodes.put(me, urls());
        Map<String, String> live = new HashMap<>();
        owned.forEach(id -> live.put(id, me));
        sessions.putAll(live);
        int stale = removeSessions((id, owner) -> me.equals(owner) && !owned.contains(id));
        // after every settled topology, on every node: routine, so not INFO
        log.debug("cluster {}: wrote again {} sessions of node {}, removed {} ended", config.name(), live.size(), me,
                stale);
    }

    /**
     * Removes, cluster-wide, the entries of this node's copy of {@code sessions} that {@code which} picks (id,
     * owner), each only if it still names that owner; returns how many.
     */
    private int removeSessions(BiPredicate<String, String> which) {
        int removed = 0;
        Cache<String, String> local = sessions.getAdvancedCache().withFlags(Flag.CACHE_MODE_LOCAL);
        for (Map.Entry<String, String> entry : Map.copyOf(local).entrySet()) {
            if (which.test(entry.getKey(), entry.getValue())) {
                sessions.remove(entry.getKey(), entry.getValue());
                removed++;
            }
        }
        return removed;
    }

    /** The {@code sessions} cache: tests lose entries from one node's copy with it, as a failed merge can. */
    Cache<String, String> sessionsCache() {
        return sessions;
    }

    /** The {@code nodes} cache: tests lose entries from one node's copy with it, as a failed merge can. */
    Cache<String, String> nodesCache() {
        return nodes;
    }

    /** The JGroups channel under the directory: tests cut a node off with it, as a network cut would. */
    JChannel channel() {
        return ((JGroupsTransport) GlobalComponentRegistry.componentOf(manager, Transport.class)).getChannel();
    }

    /**
     * Runs a purge or a reclaim on {@link #purges}. A cache write that fails there (the cluster split again, a
     * member timed out, this node is stopping and its caches refuse writes or its thread was interrupted) is one log
     * line, WARN, or DEBUG once {@link #close()} began; it never ends the thread with a stack trace on standard error.
     * Entries a failed purge leaves name a node outside the view, which {@link #ownerElsewhere} never routes to.
     */
    private void inBackground(String what, Runnable task) {
        try {
            purges.execute(() -> {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    if (closing) {
                        log.debug("cluster {}: {} cut short by this node's stop: {}", config.name(), what,
                                e.toString());
                    } else {
                        log.warn("cluster {}: {} failed: {}", config.name(), what, e.toString());
                    }
                }
            });
        } catch (RejectedExecutionException e) {
            // the views Infinispan reports while this node stops: nothing is purged by a node that is leaving
            log.debug("cluster {}: {} not started, this node is stopping", config.name(), what);
        }
    }

    /**
     * Leaves the cluster. A purge under way is interrupted, and waited for, so that it fails here, as a DEBUG line,
     * rather than against caches that are stopping.
     */
    @Override
    public void close() {
        closing = true;
        purges.shutdownNow();
        purges.close();
        manager.stop();
    }

    @Override
    public String toString() {
        return "InfinispanDirectory[" + config.nodeName() + " in " + members + "]";
    }

    /**
     * Infinispan calls it on each new view, and on each merge of two halves of a split; public, as Infinispan's
     * listener registry requires.
     */
    @Listener
    public final class ViewListener {
        @ViewChanged
        public void viewChanged(ViewChangedEvent event) {
            accept(event, "view");
        }

        /** What this node owns is written again by the topology listener, once Infinispan has merged the caches. */
        @Merged
        public void merged(MergeEvent event) {
            accept(event, "merged view");
        }

        private void accept(ViewChangedEvent event, String kind) {
            Set<String> now = names(event.getNewMembers());
            Set<String> departed = new HashSet<>(names(event.getOldMembers()));
            departed.removeAll(now);
            members = now;
            log.info("cluster {}: {} {}{}", config.name(), kind, now,
                    departed.isEmpty() ? "" : ", departed " + departed);
            if (!departed.isEmpty()) {
                inBackground("forgetting the sessions of " + departed, () -> purge(departed));
            }
        }
    }

    /**
     * Infinispan calls it on each topology of either cache, before and after installing it ({@link Event#isPre()});
     * after, the state transfer it started has been applied. A topology whose reads and writes go to the same owners,
     * this node among them, is one that no rebalance is moving data under: the merged topology, the one that ends
     * conflict resolution or a rebalance, the one after a leave. A reclaim is queued then, unless one is already.
     */
    @Listener
    public final class TopologyListener {
        @TopologyChanged
        public void topologyChanged(TopologyChangedEvent<String, String> event) {
            boolean settled = !event.isPre()
                    && event.getReadConsistentHashAtEnd().equals(event.getWriteConsistentHashAtEnd())
                    && event.getWriteConsistentHashAtEnd().getMembers().contains(manager.getAddress());
            if (settled && reclaimQueued.compareAndSet(false, true)) {
                inBackground("writing again what this node owns", InfinispanDirectory.this::reclaim);
            }
        }
    }
}
