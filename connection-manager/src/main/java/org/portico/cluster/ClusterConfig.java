package org.portico.cluster;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Whether this Portico is one node of several, and how it finds and reaches the others ({@code cluster.*},
 * {@code docs/cluster.md}).
 *
 * @param enabled          whether this Portico joins a cluster; default false: one node, no Infinispan, session ids
 *                         as a single Portico makes them
 * @param name             the cluster's name: nodes with another name never join this one; default {@code portico}
 * @param nodeName         this node's name, unique in the cluster, written into every session id it makes (lower-case
 *                         letters, digits and hyphens, at most 32); required when enabled
 * @param bindHost         address JGroups listens on for the other nodes; default {@code 127.0.0.1}
 * @param bindPort         port JGroups listens on; default 7800
 * @param members          {@code host:port} of the nodes to look for when joining (JGroups TCPPING, no multicast);
 *                         this node's own may be listed too; empty: a cluster of one until others find it
 * @param internalUrl      base URL (scheme, host, port) at which the other nodes reach this node's HTTP listener to
 *                         forward BOSH requests; required when enabled
 * @param publicUrl        base URL at which a browser reaches this node directly, for a WebSocket resumption that
 *                         landed on another node ({@code <close see-other-uri/>}); default: {@code internalUrl}
 * @param failureDetectionOffset the JGroups failure-detection socket (FD_SOCK2) listens on {@code bindPort} plus
 *                         this; a killed node's peers notice its closed socket at once; default 100
 * @param failureTimeout   how long a node that stopped answering (hung, or its network gone) is kept before the
 *                         others drop it and forget its sessions (FD_ALL3); default 10 s
 * @param forwardTimeout   how much longer than the held request's {@code wait} a forwarded BOSH request may take
 *                         before its client is told {@code item-not-found}; default 10 s
 * @param joinTimeout      how long a starting node waits for a listed member to answer before it founds a cluster
 *                         of its own (JGroups GMS); a node that restarts on a loaded host and does not hear back in
 *                         time forms a second cluster, which merges with the first seconds later; default 3 s
 * @param formTimeout      how long after joining a node whose view holds only itself, although {@code members} lists
 *                         other nodes, answers readiness 503 ({@link ClusterReadiness}): it may have founded a second
 *                         cluster that has not merged yet, and requests for the other half's sessions would be
 *                         {@code item-not-found} there. It is ready as soon as another member is in its view, and
 *                         on its own once this has passed (the first node of a cold start, the only survivor).
 *                         Default 15 s: MERGE3 looks for the other half every 2 to 5 s, so three of its slowest
 *                         rounds, and half again the 10 s split that a failed join was seen to last; 0: ready at
 *                         once, as before this setting
 */
public record ClusterConfig(boolean enabled, String name, String nodeName, String bindHost, int bindPort,
        List<String> members, String internalUrl, String publicUrl, int failureDetectionOffset,
        Duration failureTimeout, Duration forwardTimeout, Duration joinTimeout, Duration formTimeout) {

    /** No cluster: a single Portico, as before clustering existed. */
    public static final ClusterConfig OFF = builder().build();

    private static final Pattern NODE_NAME = Pattern.compile("[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?");
    private static final Pattern MEMBER = Pattern.compile("[^:\\s]+:\\d{1,5}");

    public ClusterConfig {
        members = List.copyOf(members);
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("cluster.name must not be empty");
        }
        if (bindHost == null || bindHost.isBlank()) {
            throw new IllegalArgumentException("cluster.bind must name an address");
        }
        if (bindPort < 1 || bindPort > 65535 - failureDetectionOffset) {
            throw new IllegalArgumentException("cluster.bind port must be between 1 and " + (65535
                    - failureDetectionOffset) + " (cluster.failureDetectionOffset is added to it), was " + bindPort);
        }
        if (failureDetectionOffset < 1) {
            throw new IllegalArgumentException("cluster.failureDetectionOffset must be positive, was "
                    + failureDetectionOffset);
        }
        for (String member : members) {
            if (!MEMBER.matcher(member).matches()) {
                throw new IllegalArgumentException("cluster.members must be host:port entries, got '" + member + "'");
            }
        }
        if (failureTimeout == null || failureTimeout.toMillis() < 1000) {
            throw new IllegalArgumentException("cluster.failureTimeout must be at least 1s, was " + failureTimeout);
        }
        if (forwardTimeout == null || forwardTimeout.isNegative() || forwardTimeout.isZero()) {
            throw new IllegalArgumentException("cluster.forwardTimeout must be positive, was " + forwardTimeout);
        }
        if (joinTimeout == null || joinTimeout.toMillis() < 100) {
            throw new IllegalArgumentException("cluster.joinTimeout must be at least 100ms, was " + joinTimeout);
        }
        if (formTimeout == null || formTimeout.isNegative()) {
            throw new IllegalArgumentException("cluster.formTimeout must be 0 or more, was " + formTimeout);
        }
        if (enabled) {
            if (nodeName == null || !NODE_NAME.matcher(nodeName).matches()) {
                throw new IllegalArgumentException("cluster.nodeName must be 1-32 lower-case letters, digits or "
                        + "hyphens (not first or last) when cluster.enabled, was '" + nodeName + "'");
            }
            internalUrl = baseUrl("cluster.internalUrl", internalUrl);
            publicUrl = publicUrl == null || publicUrl.isEmpty() ? internalUrl : baseUrl("cluster.publicUrl",
                    publicUrl);
        }
    }

    /**
     * Whether {@code members} names a node other than this one, that is an entry other than {@code bindHost:bindPort}
     * as written: a node that lists only itself, or nothing, expects to be alone. An own entry written differently
     * (a host name for the bound address) counts as another node; its only cost is that such a lone node becomes
     * ready after {@code formTimeout} rather than at once.
     */
    public boolean listsOtherMembers() {
        String self = bindHost + ":" + bindPort;
        return members.stream().anyMatch(member -> !member.equals(self));
    }

    /** An http(s) URL without a trailing slash, path, query or fragment. */
    private static String baseUrl(String key, String value) {
        URI uri;
        try {
            uri = URI.create(value == null ? "" : value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(key + " is not a URL: '" + value + "'");
        }
        if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null
                || !(uri.getRawPath() == null || uri.getRawPath().isEmpty() || "/".equals(uri.getRawPath()))
                || uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw new IllegalArgumentException(key + " must be an http(s) base URL like http://10.0.0.7:7070 when "
                    + "cluster.enabled, was '" + value + "'");
        }
        return value.endsWith("/") ? value.substring(0, value.length() - 1) : value;
    }

    /** Starts from the defaults documented on each component. */
    public static Builder builder() {
        return new Builder();
    }

    /** Mutable staging for a {@link ClusterConfig}; {@link #build()} validates. */
    public static final class Builder {
        private boolean enabled;
        private String name = "portico";
        private String nodeName = "";
        private String bindHost = "127.0.0.1";
        private int bindPort = 7800;
        private List<String> members = List.of();
        private String internalUrl = "";
        private String publicUrl = "";
        private int failureDetectionOffset = 100;
        private Duration failureTimeout = Duration.ofSeconds(10);
        private Duration forwardTimeout = Duration.ofSeconds(10);
        private Duration joinTimeout = Duration.ofSeconds(3);
        private Duration formTimeout = Duration.ofSeconds(15);

        private Builder() {
        }

        public Builder enabled(boolean value) {
            enabled = value;
            return this;
        }

        public Builder name(String value) {
            name = value;
            return this;
        }

        public Builder nodeName(String value) {
            nodeName = value;
            return this;
        }

        public Builder bindHost(String value) {
            bindHost = value;
            return this;
        }

        public Builder bindPort(int value) {
            bindPort = value;
            return this;
        }

        public Builder members(List<String> value) {
            members = value;
            return this;
        }

        public Builder internalUrl(String value) {
            internalUrl = value;
            return this;
        }

        public Builder publicUrl(String value) {
            publicUrl = value;
            return this;
        }

        public Builder failureDetectionOffset(int value) {
            failureDetectionOffset = value;
            return this;
        }

        public Builder failureTimeout(Duration value) {
            failureTimeout = value;
            return this;
        }

        public Builder forwardTimeout(Duration value) {
            forwardTimeout = value;
            return this;
        }

        public Builder joinTimeout(Duration value) {
            joinTimeout = value;
            return this;
        }

        public Builder formTimeout(Duration value) {
            formTimeout = value;
            return this;
        }

        public ClusterConfig build() {
            return new ClusterConfig(enabled, name, nodeName, bindHost, bindPort, members, internalUrl, publicUrl,
                    failureDetectionOffset, failureTimeout, forwardTimeout, joinTimeout, formTimeout);
        }
    }
}
