package org.portico.testing;

/**
 * The loopback ports of the cluster tests, all from {@code PORTICO_CLUSTER_PORT_BASE} (system property
 * {@code portico.cluster.port.base}, default 17400; see {@code scripts/env.sh}), so a second checkout can run them
 * beside this one: HAProxy at the base (its statistics one above), node {@code n} (0, 1, 2…) at base+10+n (HTTP), base+20+n (admin) and
 * base+30+n (JGroups, with its failure-detection socket 100 above), the in-process directory nodes' JGroups at
 * base+40+n.
 */
public final class ClusterPorts {

    public static final int BASE = Integer.parseInt(LocalProsody.setting("portico.cluster.port.base",
            "PORTICO_CLUSTER_PORT_BASE", "17400"));
    /** What JGroups adds to a node's port for its failure-detection socket ({@code cluster.failureDetectionOffset}). */
    public static final int FAILURE_DETECTION_OFFSET = 100;

    private ClusterPorts() {
    }

    public static int balancer() {
        return BASE;
    }

    /** HAProxy's statistics page (CSV at {@code /stats;csv}): which nodes it has in its rotation. */
    public static int balancerStats() {
        return BASE + 1;
    }

    public static int http(int node) {
        return BASE + 10 + node;
    }

    public static int admin(int node) {
        return BASE + 20 + node;
    }

    public static int jgroups(int node) {
        return BASE + 30 + node;
    }

    public static int directoryJgroups(int node) {
        return BASE + 40 + node;
    }
}
