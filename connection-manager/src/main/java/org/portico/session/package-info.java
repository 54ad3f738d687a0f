/**
 * The transport-neutral XMPP session: what a BOSH session or a WebSocket connection relays to, and the one place
 * that knows the XMPP stream semantics Portico applies on its way (feature filtering, XEP-0206 §7 bounces,
 * XEP-0352 client state). Transports adapt framing at the edge and talk to {@link org.portico.session.XmppSession}.
 */
package org.portico.session;
