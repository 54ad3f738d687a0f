/**
 * The transport-neutral XMPP session: what a BOSH session or a WebSocket connection relays to, and the one place
 * that knows the XMPP stream semantics Portico applies on its way (feature filtering, XEP-0206 §7 bounces,
 * XEP-0352 client state). Transports adapt framing at the edge and talk to {@link org.portico.session.XmppSession}.
 *
 * <p>Also the kernel both transports share around it: the session's lease in the store, the runner of what a
 * session decided under its lock, its log lines, {@link org.portico.session.BeatSchedule}, which keeps what the
 * transports' beats must do (held requests' waits, sockets' pings) by when it is due, and
 * {@link org.portico.session.Beat}, the thread that works through such a schedule and rests while it is empty.
 */
package org.portico.session;
