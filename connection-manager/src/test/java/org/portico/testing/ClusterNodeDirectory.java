package org.portico.testing;

import java.util.Optional;
import org.portico.cluster.SessionDirectory;

/**
 * A cluster node's session directory in a unit test: ids name the node, no session is ever elsewhere, and, like a
 * replicated directory, it does not promise that it never waits ({@link SessionDirectory#neverWaits} stays false),
 * so the transports open sessions off Jetty's selector.
 */
public final class ClusterNodeDirectory implements SessionDirectory {

    private final String node;

    /** @param node the node's name, the prefix of every id made here */
    public ClusterNodeDirectory(String node) {
        this.node = node;
    }

    @Override
    public String newId(String random) {
        return node + "." + random;
    }

    @Override
    public void claim(String id) {
        // a replicated write, in a real cluster
    }

    @Override
    public void forget(String id) {
        // a replicated write, in a real cluster
    }

    @Override
    public Optional<Node> ownerElsewhere(String id) {
        return Optional.empty();
    }
}
