package org.portico.bosh;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.portico.session.AfterLock;
import org.portico.session.SessionEnd;
import org.portico.session.XmppSession;
import org.portico.upstream.StreamHeader;
import org.portico.xml.XmlElement;

/**
 * The XMPP streams of one BOSH session (XEP-0124 §16). Almost every session has exactly one; a client that saw a
 * {@code stream} attribute in the creation response may add more. Names are unpredictable (§16.2, R50).
 *
 * <p>Owned by the lock of the {@link BoshSession} it belongs to; no I/O: what it asks of the XMPP sessions only
 * enqueues, and ends and aborts are recorded in the event's {@link AfterLock}.
 */
final class BoshStreams {

    private static final SecureRandom RANDOM = new SecureRandom();

    /** One open stream: its name, its XMPP session and the server's latest stream header. */
    static final class Stream {
        final String name;
        XmppSession xmpp;
        XmlElement header;

        Stream(String name) {
            this.name = name;
        }
    }

    /** Opens one stream's XMPP session; its events reach the BOSH session with the stream's name. */
    @FunctionalInterface
    interface Opener {
        XmppSession open(String name, StreamHeader header, String route);
    }

    private final Opener opener;
    private final Map<String, Stream> open = new LinkedHashMap<>();
    /** Names of streams closed in this session: payloads for them are dropped, not an error (§16.4). */
    private final Set<String> closed = new java.util.HashSet<>();
    private final String first;
    /** How the session's end ended its streams ({@link #endAll}); null while it lives. */
    private SessionEnd.Cause endedWith;

    BoshStreams(Opener opener) {
        this.opener = opener;
        this.first = newName();
        open.put(first, new Stream(first));
    }

    static String newName() {
        byte[] bytes = new byte[12];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** The name of the session's first stream: payloads without a name belong to it (§16.4). */
    String firstName() {
        return first;
    }

    /** The server's header for a stream still open: the creation response and restarts read it. */
    void opened(String name, XmlElement header) {
        Stream stream = open.get(name);
        if (stream != null) {
            stream.header = header;
        }
    }

    /** Opens the session's first stream, with the creation request's header (R76). */
    void openPrimary(StreamHeader header, String route) {
        Stream stream = primary();
        stream.xmpp = opener.open(stream.name, header, route);
    }

    /** §16.2: opens another stream; returns its new name. */
    String add(StreamHeader header, String route) {
        Stream stream = new Stream(newName());
        open.put(stream.name, stream);
        stream.xmpp = opener.open(stream.name, header, route);
        return stream.name;
    }

    /** §16.5: a terminate naming one of several streams closes just that stream, after relaying its payloads. */
    void close(Stream stream, List<XmlElement> payloads, PendingPayloads pending, AfterLock after) {
        if (remove(stream.name) != null) {
            send(stream, payloads, after);
            after.endUpstream(stream.xmpp, SessionEnd.Cause.CLIENT_CLOSED, pending.takeAll(stream.name));
        }
    }

    Stream get(String name) {
        return open.get(name);
    }

    boolean recentlyClosed(String name) {
        return closed.contains(name);
    }

    Stream remove(String name) {
        Stream stream = open.remove(name);
        if (stream != null) {
            closed.add(name);
        }
        return stream;
    }

    List<Stream> all() {
        return new ArrayList<>(open.values());
    }

    /** The stream a restart without a name is for: the first one still open. */
    Stream primary() {
        return open.values().iterator().next();
    }

    int size() {
        return open.size();
    }

    /**
     * §16.4: the streams a request's payloads go to: the named one, or every open stream for a body without a name
     * (a restart without a name is for the {@link #primary} stream). A stream closed in this session takes nothing;
     * an unknown name is an error.
     */
    List<Stream> targets(BoshRequest request) throws BoshException {
        if (request.stream().isEmpty()) {
            return request.isRestart() ? List.of(primary()) : all();
        }
        Stream stream = get(request.stream().get());
        if (stream != null) {
            return List.of(stream);
        }
        if (recentlyClosed(request.stream().get())) {
            return List.of();
        }
        throw new BoshException(BoshCondition.ITEM_NOT_FOUND, "no stream named " + request.stream().get());
    }

    /** §16.3: an empty body with {@code to} asks for another stream, when multi-streams were offered. */
    static boolean asksForStream(BoshRequest request, int maxStreams) {
        return maxStreams > 1 && request.isEmpty() && request.attribute(BoshNames.TO).isPresent();
    }

    /** Relays a request's payloads to a stream's server; a write queue that overflowed drops it after the lock. */
    static void send(Stream stream, List<XmlElement> payloads, AfterLock after) {
        stream.xmpp.send(payloads, after);
    }

    /** XEP-0206 §5: the client restarts a stream; relayed like a payload, in rid order. */
    static void restart(Stream stream, StreamHeader header, AfterLock after) {
        stream.xmpp.restart(header, after);
    }

    /**
     * XEP-0352 for every stream, at once (under the lock, like send): it only enqueues, and a pause and the request
     * after it, handled on two threads, must reach the server as {@code <inactive/>} then {@code <active/>}.
     */
    void clientActive(boolean active, AfterLock after) {
        for (Stream stream : open.values()) {
            if (!stream.xmpp.clientActive(active)) {
                after.abortUpstream(stream.xmpp);
            }
        }
    }

    /** Ends every stream's XMPP session; each gets back what its client never received (XEP-0206 §7). */
    void endAll(PendingPayloads pending, SessionEnd.Cause cause, AfterLock after) {
        endedWith = cause;
        for (Stream stream : all()) {
            after.endUpstream(stream.xmpp, cause, pending.takeAll(stream.name));
        }
        pending.takeAll(null);
    }

    /**
     * Payloads for a stream of a session that ended go back to its server (XEP-0206 §7) as the session's end
     * decided, with the cause {@link #endAll} was given: a payload the server sent meanwhile must not change it. Seen
     * with StanzaJS: the server's {@code <a/>} crossed the client's terminate, its bounce ended the stream as
     * expired before the terminate's close ran, and the stream granted XEP-0198 resumption was dropped instead of
     * closed, so the server kept the session for its resumption period and the contacts never saw it go offline.
     * Should a session ever end without {@link #endAll} recording its cause, its streams end as expired: that
     * keeps a stream granted resumption resumable at the server (dropped, not closed), losing nothing.
     */
    void bounce(Stream stream, List<XmlElement> payloads, AfterLock after) {
        if (stream != null) {
            after.endUpstream(stream.xmpp, endedWith == null ? SessionEnd.Cause.EXPIRED : endedWith, payloads);
        }
    }

    /** Whether a response with this stream's payloads must name it (§16.4): more than one stream, or not the first. */
    boolean mustName(String name) {
        return open.size() > 1 || !first.equals(name);
    }

    @Override
    public String toString() {
        return open.size() == 1 ? "1 stream" : open.size() + " streams";
    }
}
