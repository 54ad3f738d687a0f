/**
 * The client-to-server XMPP stream to the upstream server: resolution ({@link org.portico.upstream.UpstreamResolver},
 * DNS SRV), connection and STARTTLS ({@link org.portico.upstream.StartTls}), the stream's lifecycle and writes
 * ({@link org.portico.upstream.UpstreamStream}, {@link org.portico.upstream.UpstreamWriter}), its reader
 * ({@link org.portico.upstream.UpstreamReader}, which parses whole units that {@link org.portico.upstream.UpstreamInput}
 * frames), the one thread that reads every open plain-TCP stream of sessions that never wait, and the opening of
 * those on routes without TLS ({@link org.portico.upstream.UpstreamPoller}), and restarts. The session sees only
 * {@link org.portico.upstream.Upstream}, {@link org.portico.upstream.UpstreamListener} and
 * {@link org.portico.upstream.UpstreamConnector}; {@link org.portico.upstream.TcpUpstreamConnector} built from an
 * {@link org.portico.upstream.UpstreamConfig} is the implementation.
 */
package org.portico.upstream;
