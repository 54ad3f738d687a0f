/** Tests of the cluster's session directory on a real Infinispan cluster in one JVM (docs/cluster.md). */
package org.portico.cluster;
