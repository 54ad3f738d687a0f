/**
 * End-to-end tests with third-party clients that need a classpath or a runtime of their own, through a real Portico
 * to the local Prosody: Smack 4.5's WebSocket transport (RFC 7395), whose library line cannot share
 * connection-manager's test classpath, and the JavaScript libraries strophe.js, StanzaJS, xmpp.js and converse.js,
 * run by Node.js from {@code src/test/js} ({@link org.portico.interop.NodeClients}) and asserted on by
 * {@link org.portico.interop.JsClientInteropTest}. The fixtures come from connection-manager's test-jar
 * ({@code org.portico.testing}).
 */
package org.portico.interop;
