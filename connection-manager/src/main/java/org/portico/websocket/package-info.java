/**
 * The WebSocket transport: XMPP over WebSocket (RFC 7395) on the transport-neutral
 * {@link org.portico.session.XmppSession}, and Portico's session resumption across page reloads
 * ({@code urn:portico:resume:0}, described in {@code docs/websocket-resume.md}).
 *
 * <p>A message's path: {@link org.portico.websocket.XmppWebSocketHandler} accepts the handshake,
 * {@link org.portico.websocket.XmppWebSocketEndpoint} parses each message with
 * {@link org.portico.websocket.FramingCodec}, {@link org.portico.websocket.WebSocketSessions} binds the first
 * {@code <open/>} to a new or resumed {@link org.portico.websocket.WebSocketSession}, which relays to the upstream.
 * The pure parts ({@link org.portico.websocket.FramingCodec}, {@link org.portico.websocket.WebSocketLifecycle},
 * {@link org.portico.websocket.ReplayBuffer}, {@link org.portico.websocket.Heartbeat},
 * {@link org.portico.websocket.OriginPolicy}, {@link org.portico.websocket.ResumeToken},
 * {@link org.portico.websocket.Resumption}) do no I/O and take no locks; the mutable ones are owned by their
 * session's lock. {@link org.portico.websocket.WebSocketTransport} runs the one beat that pings the sockets due a
 * ping. The session kernel they share with BOSH (lease, after-lock runner, session log, the beat's schedule) is in
 * {@link org.portico.session}.
 */
package org.portico.websocket;
