package org.portico.bosh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.portico.metrics.Metrics;
import org.portico.testing.InMemoryUpstream;
import org.portico.store.testing.ManualTicker;
import org.portico.testing.RecordingExchange;
import org.portico.testing.RecordingLease;
import org.portico.upstream.UpstreamEnd;
import org.portico.xml.Namespaces;
import org.portico.xml.XmlElement;
import org.portico.xml.XmlLimits;
import org.portico.xml.XmlParser;

/** XEP-0124 §16: several XMPP streams in one BOSH session, each to its own upstream connection. */
class BoshMultiStreamTest {

    private static final XmlParser PARSER = new XmlParser(XmlLimits.DEFAULT);
    private static final long RID = 500;

    private final InMemoryUpstream.Factory upstreams = new InMemoryUpstream.Factory();
    private BoshSession session;
    private String firstStream;

    private static XmlElement parse(String text) throws Exception {
        return PARSER.parseDocument(text.getBytes(StandardCharsets.UTF_8));
    }

    private RecordingExchange send(long rid, String attributes, String payload) throws Exception {
        RecordingExchange exchange = new RecordingExchange();
        session.handle(BoshRequest.of(parse("<body xmlns='http://jabber.org/protocol/httpbind' sid='s' rid='" + rid
                + "' " + attributes + ">" + payload + "</body>")), exchange);
        return exchange;
    }

    private InMemoryUpstream upstream(int index) {
        return upstreams.connections.get(index);
    }

    @BeforeEach
    void createWithTwoStreams() throws Exception {
        BoshRequest creation = BoshRequest.of(parse("<body xmlns='http://jabber.org/protocol/httpbind' rid='" + RID
                + "' to='one.example' wait='30' hold='1' ver='1.11'/>"));
        RecordingExchange created = new RecordingExchange();
        session = new BoshSession("s", BoshParams.negotiate(creation, BoshConfig.DEFAULT), BoshConfig.DEFAULT,
                new ManualTicker(), new RecordingLease(), null, upstreams, null, created, Metrics.NONE);
        session.start();
        upstream(0).open("a");
        upstream(0).features();
        firstStream = parse(created.body()).attribute("stream").orElseThrow();
    }

    @Test
    void theCreationResponseNamesTheFirstStream_R50() {
        assertFalse(firstStream.isBlank());
    }

    @Test
    void anEmptyBodyWithToOpensAnotherStreamAndTheResponseNamesIt_R51() throws Exception {
        RecordingExchange add = send(RID + 1, "to='two.example' xml:lang='en'", "");
        assertEquals(2, upstreams.connections.size());
        assertEquals("two.example", upstream(1).headers.get(0).to());
        upstream(1).open("b");
        upstream(1).features();

        XmlElement body = parse(add.body());
        String second = body.attribute("stream").orElseThrow();
        assertFalse(second.equals(firstStream), "stream names are unique");
        assertTrue(body.child(Namespaces.STREAMS, "features").isPresent(), "the new stream's features follow");
        assertTrue(body.attribute("sid").isEmpty(), "no session attributes on an add-stream response");
    }

    private String addSecond() throws Exception {
        RecordingExchange add = send(RID + 1, "to='two.example'", "");
        upstream(1).open("b");
        upstream(1).features();
        return parse(add.body()).attribute("stream").orElseThrow();
    }

    @Test
    void aNamedPayloadGoesToItsStreamAndAnUnnamedOneToAll_R52() throws Exception {
        String second = addSecond();
        send(RID + 2, "stream='" + second + "'", "<message xmlns='jabber:client' to='x@two.example' id='only'/>");
        send(RID + 3, "", "<presence xmlns='jabber:client'/>");

        assertEquals(1, upstream(0).sent.size(), "the first stream got the broadcast presence only");
        assertTrue(upstream(0).sent.get(0).is(Namespaces.JABBER_CLIENT, "presence"));
        assertEquals(2, upstream(1).sent.size());
        assertEquals("only", upstream(1).sent.get(0).attribute("id").orElseThrow());
    }

    @Test
    void eachResponseCarriesOneStreamsPayloadsAndNamesIt_R52() throws Exception {
        String second = addSecond();
        RecordingExchange held = send(RID + 2, "", "");
        upstream(1).receive(InMemoryUpstream.message("x@two.example", "me@two.example", "from two"));
        RecordingExchange next = send(RID + 3, "", "");
        upstream(0).receive(InMemoryUpstream.message("y@one.example", "me@one.example", "from one"));

        XmlElement fromTwo = parse(held.body());
        XmlElement fromOne = parse(next.body());
        assertEquals(second, fromTwo.attribute("stream").orElseThrow());
        assertEquals(firstStream, fromOne.attribute("stream").orElseThrow());
        assertEquals(1, fromTwo.childElements().size());
        assertEquals(1, fromOne.childElements().size());
    }

    @Test
    void terminatingOneStreamKeepsTheSession_R53() throws Exception {
        String second = addSecond();
        send(RID + 2, "type='terminate' stream='" + second + "'", "<presence xmlns='jabber:client' type='unavailable'/>");

        assertTrue(upstream(1).closed);
        assertFalse(upstream(0).closed);
        send(RID + 3, "", "<message xmlns='jabber:client' to='y@one.example'/>");
        assertEquals(1, upstream(0).sent.size(), "the session goes on with the first stream");
    }

    @Test
    void terminateWithoutAStreamNameEndsEveryStream_R53() throws Exception {
        addSecond();
        RecordingExchange end = send(RID + 2, "type='terminate'", "");

        assertEquals("terminate", parse(end.body()).attribute("type").orElseThrow());
        assertTrue(upstream(0).closed);
        assertTrue(upstream(1).closed);
    }

    @Test
    void anUnknownStreamNameIsItemNotFound_R52() throws Exception {
        RecordingExchange unknown = send(RID + 1, "stream='nope'", "<message xmlns='jabber:client'/>");

        assertEquals("item-not-found", parse(unknown.body()).attribute("condition").orElseThrow());
    }

    @Test
    void aStreamErrorOnOneOfTwoStreamsClosesOnlyThatStream_R53() throws Exception {
        String second = addSecond();
        RecordingExchange held = send(RID + 2, "", "");
        upstream(1).end(new UpstreamEnd(UpstreamEnd.Reason.STREAM_ERROR, XmlElement.of(Namespaces.STREAMS, "error")
                .withChild(XmlElement.of(Namespaces.STREAM_ERRORS, "conflict")), "conflict"));

        XmlElement body = parse(held.body());
        assertEquals("terminate", body.attribute("type").orElseThrow());
        assertEquals("remote-stream-error", body.attribute("condition").orElseThrow());
        assertEquals(second, body.attribute("stream").orElseThrow());
        RecordingExchange after = send(RID + 3, "", "<message xmlns='jabber:client' to='y@one.example'/>");
        assertFalse(after.answered(), "the session is alive and holds the request");
        assertEquals(1, upstream(0).sent.size());
    }
}
