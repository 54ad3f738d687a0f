/**
 * Shared test fixtures: in-memory and scripted upstreams, a manual clock, test clients for both transports (the BOSH
 * one also in XEP-0252 script syntax; {@link org.portico.testing.WebSocketTestClient} for RFC 7395), pages that
 * reload ({@link org.portico.testing.ReloadingReceiver}, used by the reload tests and the reload benchmark), a
 * recorder of log events and one of the threads that logged them ({@link org.portico.testing.LoggingThreads}: run
 * by Jetty's selector loop itself, or virtual), the rows of the lifecycle machines' transition tables
 * ({@link org.portico.testing.TransitionTables}), a cluster node's session directory
 * ({@link org.portico.testing.ClusterNodeDirectory}), and the local Prosody's coordinates. Every test that needs one of
 * these takes it from here.
 */
package org.portico.testing;
