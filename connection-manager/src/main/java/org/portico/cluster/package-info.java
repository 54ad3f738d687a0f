/**
 * Several Portico nodes behind one load balancer ({@code docs/cluster.md}): the cluster's membership and the session
 * directory (session id → owning node) on embedded Infinispan over JGroups, the names session ids carry, and the
 * forwarding of a BOSH request that reached a node other than its session's owner. Off by default
 * ({@code cluster.enabled}); a single Portico then uses {@link org.portico.cluster.SessionDirectory#LOCAL} and starts
 * no Infinispan.
 */
package org.portico.cluster;
