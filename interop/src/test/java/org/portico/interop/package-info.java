/**
 * End-to-end tests with third-party clients whose library line cannot share connection-manager's test classpath:
 * Smack 4.5's WebSocket transport (RFC 7395) through a real Portico to the local Prosody. The fixtures come from
 * connection-manager's test-jar ({@code org.portico.testing}).
 */
package org.portico.interop;
