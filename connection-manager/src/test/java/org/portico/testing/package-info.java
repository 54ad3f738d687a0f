/**
 * Shared test fixtures: in-memory and scripted upstreams, a manual clock, test clients for both transports
 * ({@link org.portico.testing.BoshTestClient}, {@link org.portico.testing.WebSocketTestClient}), pages that reload
 * ({@link org.portico.testing.ReloadingReceiver}, used by the reload tests and the reload benchmark), and the local
 * Prosody's coordinates. Every test that needs one of these takes it from here.
 */
package org.portico.testing;
