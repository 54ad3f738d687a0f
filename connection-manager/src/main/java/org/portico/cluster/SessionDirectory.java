package org.portico.cluster;

import java.util.Optional;

/**
 * Which node owns a session: the names session ids carry, and the cluster-wide directory of session id → owning
 * node that lets any node route a request for a session it does not hold. The session store stays the owner of the
 * session objects; the directory only says where they live.
 *
 * <p>{@link #LOCAL} is a single Portico's: ids are the random part alone and no session is ever elsewhere.
 * {@link InfinispanDirectory} is a cluster node's. Every method may block on the network briefly (a replicated
 * write), so none is called under a session lock; {@link #neverWaits} says when none does.
 */
public interface SessionDirectory {

    /** A single Portico: nothing to name, nothing elsewhere. */
    SessionDirectory LOCAL = new SessionDirectory() {
        @Override
        public String newId(String random) {
            return random;
        }

        @Override
        public void claim(String id) {
            // one node owns everything
        }

        @Override
        public void forget(String id) {
            // nothing was written
        }

        @Override
        public Optional<Node> ownerElsewhere(String id) {
            return Optional.empty();
        }

        @Override
        public boolean neverWaits() {
            return true;
        }
    };

    /**
     * Whether no method here ever waits for the network: then a session can be opened on the thread that read its
     * first request, Jetty's selector included. False unless an implementation knows better.
     */
    default boolean neverWaits() {
        return false;
    }

    /**
     * The id of a new session made on this node from {@code random} (URL-safe base64): in a cluster it names this
     * node, so the BOSH sid and the WebSocket resume token tell where the session lives.
     */
    String newId(String random);

    /** A session with this id now lives here: other nodes send its requests to this node. */
    void claim(String id);

    /** The session with this id ended here: the directory no longer routes to it. */
    void forget(String id);

    /**
     * The live node, other than this one, that owns the session; empty when the directory does not know the id,
     * this node owns it, or its owner left the cluster (stopped, killed, or cut off).
     */
    Optional<Node> ownerElsewhere(String id);

    /**
     * A member of the cluster as the others reach it.
     *
     * @param name        its {@code cluster.nodeName}
     * @param internalUrl where other nodes forward requests to ({@code cluster.internalUrl})
     * @param publicUrl   where a browser reaches it directly ({@code cluster.publicUrl})
     */
    record Node(String name, String internalUrl, String publicUrl) {
    }
}
