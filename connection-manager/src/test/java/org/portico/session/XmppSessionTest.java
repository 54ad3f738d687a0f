package org.portico.session;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.portico.testing.InMemoryUpstream;
import org.portico.upstream.StreamHeader;
import org.portico.xml.Namespaces;
import org.portico.xml.XmlElement;
import org.slf4j.LoggerFactory;

/**
 * How a session leaves its upstream stream when Portico stops or its client is gone: a stream the client may still
 * resume (XEP-0198 §5) is dropped, so the server keeps the session; any other is closed with
 * {@code </stream:stream>}, so the server ends it at once (R91, R96).
 */
class XmppSessionTest {

    private final InMemoryUpstream server = new InMemoryUpstream();
    private final XmppSession session = open("s1", server);

    /** A session whose client side records nothing, on {@code upstream}. */
    private static XmppSession open(String id, InMemoryUpstream upstream) {
        return XmppSession.open(id, new SessionLog(LoggerFactory.getLogger(XmppSessionTest.class), id, "127.0.0.1"),
                new ClientSink() {
                    @Override
                    public void opened(XmlElement streamHeader) {
                    }

                    @Override
                    public void deliver(XmlElement element) {
                    }

                    @Override
                    public void ended(SessionEnd end) {
                    }
                }, upstream, new StreamHeader("localhost", null, null, "1.0"), null);
    }

    private static XmlElement sm(String name) {
        return XmlElement.of(Namespaces.SM, name);
    }

    /** What the session did to its upstream: "dropped", "closed", or "open". */
    private String upstream() {
        return server.aborted ? "dropped" : server.closed ? "closed" : "open";
    }

    @Test
    void withoutStreamManagementShutdownClosesTheStream() {
        session.shutdown(List.of());

        assertEquals("closed", upstream());
    }

    /**
     * XEP-0206 §7: a message the client never received goes back to the server as an error it can store offline
     * when the stream ends for good; a stream left resumable keeps it for the server to send again instead.
     */
    @Test
    void onShutdownWhatTheClientNeverReceivedGoesBackUnlessTheStreamStaysResumable_XEP0206_7() {
        XmlElement undelivered = InMemoryUpstream.message("bob@localhost/x", "alice@localhost/y", "n39");

        session.shutdown(List.of(undelivered));

        assertEquals(1, server.sent.size(), "one bounce: " + server.sent);
        assertEquals("error", server.sent.get(0).attribute("type").orElseThrow());
        assertEquals("bob@localhost/x", server.sent.get(0).attribute("to").orElseThrow());
        assertEquals("closed", upstream());

        InMemoryUpstream resumable = new InMemoryUpstream();
        XmppSession kept = open("s2", resumable);
        kept.send(sm("enable").withAttribute("resume", "true"));
        resumable.receive(sm("enabled").withAttribute("id", "r2").withAttribute("resume", "true"));
        kept.shutdown(List.of(undelivered));
        assertEquals(List.of(sm("enable").withAttribute("resume", "true")), resumable.sent, "no bounce");
        assertEquals(true, resumable.aborted);
    }

    @Test
    void aStreamWithResumptionGrantedIsDroppedOnShutdown_XEP0198_5() {
        session.send(sm("enable").withAttribute("resume", "true"));
        server.receive(sm("enabled").withAttribute("id", "r1").withAttribute("resume", "true"));

        session.shutdown(List.of());

        assertEquals("dropped", upstream());
    }

    /**
     * The drain of a cluster node reached a client that had just sent {@code <resume/>} through it: the server had
     * moved the session to this stream, and a clean close would have ended it before the client, sent to another
     * node, could resume it there (seen as {@code <failed><item-not-found/>} in ClusterEndToEndTest).
     */
    @Test
    void aResumptionTheServerHasNotAnsweredYetIsDroppedOnShutdown_XEP0198_5() {
        session.send(sm("resume").withAttribute("previd", "r1").withAttribute("h", "4"));

        session.shutdown(List.of());

        assertEquals("dropped", upstream());
    }

    /** The same over BOSH, whose payloads are queued under the session lock and written after it. */
    @Test
    void aResumptionQueuedByABoshRequestAndUnansweredIsDroppedOnShutdown_XEP0198_5() {
        session.send(List.of(sm("resume").withAttribute("previd", "r1").withAttribute("h", "4")), new AfterLock());

        session.shutdown(List.of());

        assertEquals("dropped", upstream());
    }

    @Test
    void aResumptionTheServerAnsweredWithFailedIsClosedOnShutdown_XEP0198_5() {
        session.send(sm("resume").withAttribute("previd", "r1").withAttribute("h", "4"));
        server.receive(sm("failed").withChild(XmlElement.of(Namespaces.STANZA_ERRORS, "item-not-found")));

        session.shutdown(List.of());

        assertEquals("closed", upstream());
    }

    @Test
    void streamManagementWithoutResumptionIsClosedOnShutdown_XEP0198_5() {
        session.send(List.of(sm("enable")));
        server.receive(sm("enabled").withAttribute("id", "r1"));

        session.shutdown(List.of());

        assertEquals("closed", upstream());
    }

    @Test
    void anExpiredSessionWhoseResumptionIsUnansweredIsDropped_R96() {
        session.send(sm("enable").withAttribute("resume", "true"));

        session.expire(List.of());

        assertEquals("dropped", upstream());
    }
}
