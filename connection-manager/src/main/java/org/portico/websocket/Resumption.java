package org.portico.websocket;

import java.security.SecureRandom;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.xml.namespace.QName;
import org.portico.xml.XmlElement;

/**
 * What a WebSocket session keeps so that a client on a new socket can continue it ({@code urn:portico:resume:0},
 * {@code docs/websocket-resume.md}): the current {@link ResumeToken}, how many elements Portico received from the
 * client, the {@link ReplayBuffer} of what it framed for the client, and the decision whether a presented token and
 * count resume the session.
 *
 * <p>A pure value: no I/O, no lock. Its {@link WebSocketSession}'s lock owns it, and the session acts on the
 * decisions after releasing the lock.
 */
final class Resumption {

    /** What a presented token and count lead to. */
    sealed interface Decision permits NotThisSession, Unreplayable, Resumed {
    }

    /**
     * The token is not this session's current one, is presented from another origin, or resumption is off: the
     * session is left alone.
     */
    record NotThisSession() implements Decision {
    }

    /**
     * The token is right but what the client says it received cannot be replayed (it claims more than was framed,
     * or what followed was already evicted): the session ends, and the client starts a fresh stream.
     */
    record Unreplayable(String why) implements Decision {
    }

    /**
     * The session continues: the client gets an {@code <open/>} with these attributes, then {@code missed}.
     *
     * @param openAttributes {@code resumed}, the count {@code h} of what Portico received, and the new token
     * @param missed         the frames after the client's count, in order
     */
    record Resumed(Map<QName, String> openAttributes, List<String> missed) implements Decision {
    }

    private final String sessionId;
    /** The {@code Origin} of the socket that opened the session, or null (a client that sends none). */
    private final String origin;
    private final SecureRandom random;
    private final ReplayBuffer replay;
    /** Null when resumption is off ({@code websocket.resumeGrace=0}). */
    private ResumeToken token;
    /** Top-level elements received from the client in this session, not counting open and close. */
    private long receivedFromClient;

    /**
     * @param origin    the {@code Origin} of the socket that opened the session, or null
     * @param resumable whether the session issues a token at all ({@link WebSocketConfig#resumable()})
     */
    Resumption(String sessionId, String origin, boolean resumable, int maxElements, long maxBytes,
            SecureRandom random) {
        this.sessionId = sessionId;
        this.origin = origin;
        this.random = random;
        this.replay = new ReplayBuffer(maxElements, maxBytes);
        this.token = resumable ? ResumeToken.issue(sessionId, random) : null;
    }

    /** The token attribute of the session's first {@code <open/>}; none when resumption is off. */
    Map<QName, String> tokenAttribute() {
        return token == null ? Map.of() : Map.of(FramingCodec.RESUME_TOKEN, token.text());
    }

    /** The client sent a stanza or nonza that went upstream. */
    void receivedFromClient() {
        receivedFromClient++;
    }

    /**
     * Numbers and keeps an element framed for the client (see {@link ReplayBuffer#append}).
     *
     * @return false when the session is paused and its buffer is full: the session ends
     */
    boolean framed(XmlElement element, String frame) {
        return replay.append(element, frame);
    }

    /** The socket dropped: what is framed from now on was never sent (see {@link ReplayBuffer#pin}). */
    void paused() {
        replay.pin();
    }

    /** What was framed since the pause and never sent: bounced to the server when the session ends. */
    List<XmlElement> unsent() {
        return replay.unsent();
    }

    /**
     * Decides whether a client presenting {@code presented} and saying it received {@code h} elements continues
     * the session. When it does, the token rotates (a token works once) and the buffer slides again. A token is
     * bound to the origin that opened the session: a page of another origin that got hold of it (a leak, or an
     * allow-list of {@code *}) cannot take the session over, and a client without {@code Origin} cannot take over a
     * browser's session, nor a browser a non-browser client's.
     *
     * @param h          the client's count as it sent it; null or not a number cannot be replayed
     * @param fromOrigin the {@code Origin} of the socket presenting the token, or null
     */
    Decision resume(ResumeToken presented, String h, String fromOrigin) {
        if (token == null || !token.matches(presented) || !sameOrigin(fromOrigin)) {
            return new NotThisSession();
        }
        Optional<List<String>> missed = replay.framesAfter(parseCount(h));
        if (missed.isEmpty()) {
            return new Unreplayable("h=" + h + " is not in " + replay);
        }
        replay.unpin();
        token = ResumeToken.issue(sessionId, random);
        Map<QName, String> attributes = new LinkedHashMap<>();
        attributes.put(FramingCodec.RESUME_RESUMED, "true");
        attributes.put(FramingCodec.RESUME_H, Long.toString(receivedFromClient));
        attributes.put(FramingCodec.RESUME_TOKEN, token.text());
        return new Resumed(attributes, missed.get());
    }

    /** Origins are ASCII serializations (RFC 6454 §6.2); scheme and host are case-insensitive. */
    private boolean sameOrigin(String fromOrigin) {
        return origin == null ? fromOrigin == null : origin.equalsIgnoreCase(fromOrigin);
    }

    /** How many elements the client sent; what a resumed client is told to resend after. */
    long received() {
        return receivedFromClient;
    }

    private static long parseCount(String h) {
        try {
            return h == null ? -1 : Long.parseLong(h);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    @Override
    public String toString() {
        return "received=" + receivedFromClient + " " + replay;
    }
}
