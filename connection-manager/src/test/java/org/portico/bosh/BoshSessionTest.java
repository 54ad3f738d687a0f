package org.portico.bosh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import java.util.stream.IntStream;
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

/** BoshSession against an in-memory upstream: XEP-0124 §7–§14 and XEP-0206 as one session sees them. */
class BoshSessionTest {

    private static final XmlParser PARSER = new XmlParser(XmlLimits.DEFAULT);
    private static final long RID = 1000;

    private final InMemoryUpstream upstream = new InMemoryUpstream();
    private final ManualTicker clock = new ManualTicker();
    private final RecordingLease lifetime = new RecordingLease();
    /** Where upstream events' answers are written: the delivering thread, unless a test says otherwise. */
    private BoshSession session;
    /** Settings of the next session created, beyond those a test's request asks for. */
    private UnaryOperator<BoshConfig.Builder> configured = settings -> settings;

    private RecordingExchange create(String extraAttributes) throws Exception {
        return create(1, extraAttributes);
    }

    private RecordingExchange create(int hold, String extraAttributes) throws Exception {
        BoshRequest request = request("<body xmlns='http://jabber.org/protocol/httpbind' rid='" + RID + "' to='localhost'"
                + " xml:lang='en' wait='30' hold='" + hold + "' ver='1.11' xmpp:version='1.0' xmlns:xmpp='urn:xmpp:xbosh' "
                + extraAttributes + "/>");
        KeySequence keys = request.attribute(BoshNames.NEWKEY).map(KeySequence::start).orElse(null);
        // hold above one is granted only where the operator allows it (bosh.maxHold)
        BoshConfig config = configured.apply(BoshConfig.builder().maxHold(Math.max(hold, BoshConfig.DEFAULT.maxHold())))
                .build();
        RecordingExchange creation = new RecordingExchange();
        session = new BoshSession("sid1", BoshParams.negotiate(request, config), config, clock,
                lifetime, keys, upstream, null, creation, Metrics.NONE);
        session.start();
        return creation;
    }

    /** Creates the session and lets the server answer it with a header and features. */
    private XmlElement created(String extraAttributes) throws Exception {
        RecordingExchange creation = create(extraAttributes);
        upstream.open("stream-1");
        upstream.features();
        return parse(creation.body());
    }

    private static BoshRequest request(String xml) throws Exception {
        return BoshRequest.of(PARSER.parseDocument(xml.getBytes(StandardCharsets.UTF_8)));
    }

    private RecordingExchange send(long rid, String attributes, String payload) throws Exception {
        RecordingExchange exchange = new RecordingExchange();
        session.handle(request("<body xmlns='http://jabber.org/protocol/httpbind' sid='sid1' rid='" + rid + "' "
                + attributes + ">" + payload + "</body>"), exchange);
        return exchange;
    }

    /** The ids of the stanzas forwarded upstream so far, in order. */
    private List<String> sentIds() {
        return upstream.sent.stream().map(e -> e.attribute("id").orElseThrow()).toList();
    }

    private static XmlElement parse(String body) throws Exception {
        return PARSER.parseDocument(body.getBytes(StandardCharsets.UTF_8));
    }

    /** A session whose rid+1 is held and whose client then closed that request's connection. */
    private RecordingExchange heldRequestWhoseConnectionClosed() throws Exception {
        created("");
        RecordingExchange held = send(RID + 1, "", "");
        held.closeConnection();
        return held;
    }

    private static String attr(XmlElement body, String name) {
        return body.attribute(name).orElse(null);
    }

    @Test
    void creationResponseCarriesSessionAttributesAndFilteredFeatures_R15_R16_R19_R74_R77() throws Exception {
        XmlElement body = created("");

        assertEquals("sid1", attr(body, "sid"));
        assertEquals("30", attr(body, "wait"));
        assertEquals("1", attr(body, "hold"));
        assertEquals("2", attr(body, "requests"));
        assertEquals("1.11", attr(body, "ver"));
        assertEquals("120", attr(body, "maxpause"));
        assertEquals("60", attr(body, "inactivity"));
        assertEquals("localhost", attr(body, "from"));
        assertEquals("stream-1", attr(body, "authid"));
        assertEquals("true", body.attribute(BoshNames.XMPP_RESTARTLOGIC).orElse(null));
        assertEquals("1.0", body.attribute(BoshNames.XMPP_VERSION).orElse(null));
        XmlElement features = body.child(Namespaces.STREAMS, "features").orElseThrow();
        assertTrue(features.child(Namespaces.SASL, "mechanisms").isPresent());
        assertFalse(features.child(Namespaces.TLS, "starttls").isPresent(), "starttls is stripped (R74)");
        assertEquals("localhost", upstream.headers.get(0).to());
        assertEquals("en", upstream.headers.get(0).lang());
    }

    @Test
    void creationIsHeldUntilFeaturesArrive_R76() throws Exception {
        RecordingExchange creation = create("");
        upstream.open("stream-1");
        assertFalse(creation.answered(), "the header alone is not worth a response");
        upstream.features();
        assertTrue(creation.answered());
    }

    @Test
    void aNewRequestReleasesTheHeldOneWhenHoldIsOne_R24() throws Exception {
        created("");
        RecordingExchange first = send(RID + 1, "", "");
        assertFalse(first.answered());
        RecordingExchange second = send(RID + 2, "", "<message xmlns='jabber:client' to='bob@localhost'><body>hi</body></message>");

        assertTrue(first.answered(), "hold=1: the older request goes back");
        assertEquals("", parse(first.body()).text());
        assertFalse(second.answered());
        assertEquals(1, upstream.sent.size());
        assertEquals("bob@localhost", upstream.sent.get(0).attribute("to").orElseThrow());
    }

    @Test
    void aRequestsPayloadsAreWrittenUpstreamOnItsOwnThreadAfterTheLock() throws Exception {
        created("");
        List<String> writes = writesAfterTheLock(() -> upstream.sent.size() + " queued");

        send(RID + 1, "", "<message xmlns='jabber:client' to='bob@localhost'><body>hi</body></message>");

        assertEquals(List.of("request thread, 1 queued, lock free"), writes,
                "no writer thread per message; never I/O under the session lock");
    }

    /** XEP-0206 §5: a restart goes out as a payload does, written on the request's thread after the lock. */
    @Test
    void aRestartIsWrittenUpstreamOnTheRequestsThreadAfterTheLock() throws Exception {
        created("");
        List<String> writes = writesAfterTheLock(() -> upstream.headers.size() + " headers");

        send(RID + 1, "to='localhost' xml:lang='en' xmpp:restart='true' xmlns:xmpp='urn:xmpp:xbosh'", "");

        assertEquals(List.of("request thread, 2 headers, lock free"), writes,
                "no writer thread for a login's restart; never I/O under the session lock");
    }

    /**
     * Records each write of what the session queued for the upstream: on which thread, what {@code queued} says
     * then, and whether the session's lock was free.
     */
    private List<String> writesAfterTheLock(Supplier<String> queued) {
        Thread caller = Thread.currentThread();
        List<String> writes = new ArrayList<>();
        upstream.whenWritten = () -> writes.add((Thread.currentThread() == caller ? "request thread" : "other thread")
                + ", " + queued.get() + ", lock " + (lockIsFree() ? "free" : "held"));
        return writes;
    }

    /** Whether another thread can take the session's lock now (the session's own thread could re-enter it). */
    private boolean lockIsFree() {
        try {
            return CompletableFuture.supplyAsync(session::heldRequests).get(2, TimeUnit.SECONDS) >= 0;
        } catch (TimeoutException e) {
            return false;
        } catch (InterruptedException | ExecutionException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void payloadWithoutNamespaceIsTreatedAsJabberClient_R73() throws Exception {
        created("");
        send(RID + 1, "", "<message to='bob@localhost'><body>hi</body></message>");

        XmlElement sent = upstream.sent.get(0);
        assertTrue(sent.is(Namespaces.JABBER_CLIENT, "message"));
        assertTrue(sent.child(Namespaces.JABBER_CLIENT, "body").isPresent());
    }

    @Test
    void upstreamStanzaGoesToTheHeldRequestAtOnce_R26() throws Exception {
        created("");
        RecordingExchange held = send(RID + 1, "", "");
        upstream.receive(InMemoryUpstream.message("bob@localhost/x", "alice@localhost/y", "hello"));

        XmlElement body = parse(held.body());
        XmlElement message = body.child(Namespaces.JABBER_CLIENT, "message").orElseThrow();
        assertEquals("hello", message.child(Namespaces.JABBER_CLIENT, "body").orElseThrow().text());
    }

    /**
     * Stanzas that came in one read from the server (a burst: presences, an archive page) are answered together on
     * the held request, not the first alone and the rest on the client's next request.
     */
    @Test
    void stanzasReadFromTheServerAtOnceShareTheHeldRequestsAnswer_R26() throws Exception {
        created("");
        RecordingExchange held = send(RID + 1, "", "");

        upstream.receiveInOneRead(InMemoryUpstream.message("bob@localhost", "alice@localhost", "one"),
                InMemoryUpstream.message("bob@localhost", "alice@localhost", "two"),
                InMemoryUpstream.message("bob@localhost", "alice@localhost", "three"));

        assertEquals(List.of("one", "two", "three"), parse(held.body()).childElements().stream()
                .map(message -> message.child(Namespaces.JABBER_CLIENT, "body").orElseThrow().text()).toList());
    }

    /**
     * A client that stops polling gets at most {@code bosh.maxPendingBytes} queued for it; beyond that its session
     * ends with {@code policy-violation}, and every stanza it never got goes back to the server (XEP-0206 §7): what
     * was pending and the rest of the read that overflowed it, each message bounced to its sender.
     */
    @Test
    void moreThanMaxPendingBytesForAClientThatDoesNotPollEndsTheSessionWithPolicyViolation() throws Exception {
        configured = settings -> settings.maxPendingBytes(64 * 1024);
        created("");
        String large = "x".repeat(20_000);
        List<XmlElement> read = IntStream.rangeClosed(1, 5).mapToObj(n -> InMemoryUpstream.message(
                "bob@localhost/x", "alice@localhost/y", large).withAttribute("id", "m" + n)).toList();

        upstream.receiveInOneRead(read.toArray(XmlElement[]::new));

        XmlElement body = parse(send(RID + 1, "", "").body());
        assertEquals("terminate", attr(body, "type"));
        assertEquals("policy-violation", attr(body, "condition"));
        assertEquals(List.of("m1", "m2", "m3", "m4", "m5"), upstream.sent.stream()
                .filter(e -> e.is(Namespaces.JABBER_CLIENT, "message") && "error".equals(attr(e, "type")))
                .map(e -> attr(e, "id")).toList(), "bounced to their sender");
    }

    @Test
    void stanzasArrivingWithNoRequestHeldWaitForTheNextOne() throws Exception {
        created("");
        upstream.receive(InMemoryUpstream.message("bob@localhost", "alice@localhost", "one"));
        upstream.receive(InMemoryUpstream.message("bob@localhost", "alice@localhost", "two"));
        RecordingExchange next = send(RID + 1, "", "");

        assertEquals(2, parse(next.body()).childElements().size());
    }

    @Test
    void waitExpiryAnswersWithAnEmptyBody_R25() throws Exception {
        created("");
        RecordingExchange held = send(RID + 1, "", "");
        assertEquals(Duration.ofSeconds(30), held.heldFor());
        held.expireWait();

        assertTrue(held.answered());
        assertTrue(parse(held.body()).children().isEmpty());
        assertEquals("idle 60", lifetime.last(), "nothing held: inactivity runs (§10)");
    }

    @Test
    void outOfOrderRequestsAreForwardedInRidOrder_R40() throws Exception {
        created("");
        RecordingExchange later = send(RID + 2, "", "<message xmlns='jabber:client' to='b@localhost' id='second'/>");
        assertTrue(upstream.sent.isEmpty(), "rid+2 waits for rid+1");
        send(RID + 1, "", "<message xmlns='jabber:client' to='b@localhost' id='first'/>");

        assertEquals(List.of("first", "second"), sentIds());
        assertFalse(later.answered());
    }

    @Test
    void aRepeatedAnsweredRidGetsTheSameResponseAgainAndIsNotForwardedTwice_R43() throws Exception {
        created("");
        String message = "<message xmlns='jabber:client' to='bob@localhost' id='m1'/>";
        RecordingExchange first = send(RID + 1, "", message);
        upstream.receive(InMemoryUpstream.message("bob@localhost", "alice@localhost", "once"));
        RecordingExchange repeat = send(RID + 1, "", message);

        assertEquals(first.body(), repeat.body());
        assertEquals(1, upstream.sent.size(), "the repeat's payload is not forwarded again");
    }

    @Test
    void aRepeatOfAHeldRidAnswersTheOlderConnectionWithARecoverableError_R44() throws Exception {
        created("");
        RecordingExchange older = send(RID + 1, "", "");
        RecordingExchange newer = send(RID + 1, "", "");

        assertEquals("error", attr(parse(older.body()), "type"));
        assertFalse(newer.answered());
        upstream.receive(InMemoryUpstream.message("bob@localhost", "alice@localhost", "late"));
        assertTrue(newer.answered());
    }

    @Test
    void aRidBeyondTheWindowTerminatesWithItemNotFound_R41() throws Exception {
        created("");
        RecordingExchange far = send(RID + 10, "", "");

        XmlElement body = parse(far.body());
        assertEquals("terminate", attr(body, "type"));
        assertEquals("item-not-found", attr(body, "condition"));
        assertTrue(upstream.closed);
        assertEquals("idle 60", lifetime.last(), "kept as a tombstone for inactivity");
        RecordingExchange later = send(RID + 1, "", "");
        assertEquals("item-not-found", attr(parse(later.body()), "condition"), "later requests get the same end");
    }

    @Test
    void pauseAnswersEverythingAndLetsTheSessionIdleForThePause_R31_R32() throws Exception {
        created("");
        RecordingExchange held = send(RID + 1, "", "");
        RecordingExchange pause = send(RID + 2, "pause='90'", "");

        assertTrue(held.answered());
        assertTrue(pause.answered());
        assertTrue(parse(pause.body()).children().isEmpty());
        assertEquals("idle 90", lifetime.last());
    }

    /**
     * A page unloading: the browser cut off its request with data (rid+2) before it reached Portico, and the
     * pause it sent next (rid+3) came early. The page is gone, so the pause is answered at once (§10) and never
     * left to wait for rid+2 and get a recoverable error nobody would act on; the next page resends rid+2, and
     * only then, in rid order (§14.2), does the pause take effect. The next page's first request resumes.
     */
    @Test
    void anEarlyPauseIsAnsweredAtOnceAndTakesEffectInRidOrderWhenTheNextPageFillsTheGap_R31_R40() throws Exception {
        created("");
        RecordingExchange held = send(RID + 1, "", "");
        RecordingExchange pause = send(RID + 3, "pause='90'", "");

        assertEquals(200, pause.status(), "answered at once, without waiting for rid+2");
        XmlElement pauseBody = parse(pause.body());
        assertTrue(pauseBody.children().isEmpty(), "the pause response carries nothing (R32)");
        assertEquals(null, attr(pauseBody, "type"), "not a recoverable error: nobody would resend the pause");
        assertFalse(held.answered(), "the pause waits for its turn: rid+1 is still held");
        assertEquals(null, pause.heldFor(), "never held: no wait of its own runs out to answer it again");

        String cutOff = "<message xmlns='jabber:client' to='bob@localhost' id='cut-off'/>";
        RecordingExchange resent = send(RID + 2, "", cutOff);
        assertEquals(List.of("cut-off"), sentIds());
        assertTrue(held.answered() && resent.answered(), "the pause, now in order, answered everything held (R31)");
        assertEquals("idle 90", lifetime.last(), "and the session may idle for the pause");

        RecordingExchange nextPage = send(RID + 4, "", "<r xmlns='urn:xmpp:sm:3'/>");
        assertEquals("r", upstream.sent.get(upstream.sent.size() - 1).localName(), "forwarded at once");
        assertFalse(nextPage.answered(), "held: the session continues");
        assertEquals("busy", lifetime.last());
    }

    /**
     * §10: the page asked for the session to be kept for 90 s while it reloads. If the gap before its pause is never
     * filled (the next page is slow, or never comes), the session is still kept for the pause, not only for the
     * 60 s of inactivity, so a page back within the pause finds it.
     */
    @Test
    void anEarlyPauseWhoseGapIsNeverFilledStillKeepsTheSessionForThePause_R31() throws Exception {
        created("");
        RecordingExchange held = send(RID + 1, "", "");
        send(RID + 3, "pause='90'", "");
        held.expireWait();

        assertTrue(held.answered());
        assertEquals("idle 90", lifetime.last(), "kept for the pause the page asked for");
    }

    /** An early pause above maxpause keeps nothing: processed in turn it ends the session (R32). */
    @Test
    void anEarlyPauseAboveMaxpauseLeavesTheSessionToItsInactivity_R32() throws Exception {
        created("");
        RecordingExchange held = send(RID + 1, "", "");
        send(RID + 3, "pause='" + (BoshConfig.DEFAULT.maxPause().toSeconds() + 1) + "'", "");
        held.expireWait();

        assertEquals("idle 60", lifetime.last(), "not kept for a pause it may not have");
    }

    /** Once the early pause is processed, the next page's request resumes and inactivity applies again (§10). */
    @Test
    void anEarlyPauseKeepsTheSessionOnlyUntilItIsProcessed_R31() throws Exception {
        created("");
        RecordingExchange held = send(RID + 1, "", "");
        send(RID + 3, "pause='90'", "");
        send(RID + 2, "", "");
        RecordingExchange nextPage = send(RID + 4, "", "");
        nextPage.expireWait();

        assertTrue(held.answered() && nextPage.answered());
        assertEquals("idle 60", lifetime.last(), "the pause is over: the session idles for its inactivity");
    }

    /**
     * Strophe's restore after a reload that cut off rid+2: it continues with rid+3 and never sends rid+2. With rid+1
     * held and rid+3 early, every request the client may have open (requests=2, §11) is here, so rid+2 cannot be on
     * its way: the early request waits for the gap for bosh.ridGapGrace, not its whole wait; then rid+2 is given up
     * as lost and rid+3 is processed, held for what is left of its wait.
     */
    @Test
    void aRidThatNeverComesIsGivenUpAfterTheGraceAndTheRequestsAfterItAreProcessed_S14_2() throws Exception {
        created("");
        RecordingExchange held = send(RID + 1, "", "");
        RecordingExchange early = send(RID + 3, "", "<message xmlns='jabber:client' to='bob@localhost' id='after'/>");

        assertTrue(upstream.sent.isEmpty(), "rid+3 waits for rid+2 (R40)");
        assertEquals(BoshConfig.DEFAULT.ridGapGrace(), early.heldFor(), "for the grace, not its whole wait");
        clock.advance(BoshConfig.DEFAULT.ridGapGrace());
        early.expireWait();

        assertEquals(List.of("after"), sentIds());
        assertTrue(held.answered(), "hold=1: the older request answered, in rid order");
        assertFalse(early.answered(), "held now, as any processed request");
        assertEquals(Duration.ofSeconds(30).minus(BoshConfig.DEFAULT.ridGapGrace()), early.heldFor(),
                "for what is left of its wait (R25)");
        RecordingExchange next = send(RID + 4, "", "");
        assertTrue(early.answered() && !next.answered(), "the session goes on");
    }

    /**
     * A client answered on rid+1 sends rid+2 and then rid+3, and rid+2 is overtaken: through another cluster node it
     * came up to 9 s late on a loaded host. The client may still have rid+2 open, so rid+3 waits for it its whole
     * wait, not the grace, and the two go up in rid order (R40); given up after the grace, rid+2 went up after
     * rid+3 (ClusterEndToEndTest, 2026-12-06).
     */
    @Test
    void aRidTheClientMayStillHaveOpenIsWaitedForTheWholeWaitAndKeepsItsOrder_S14_2_R40() throws Exception {
        created("");
        RecordingExchange held = send(RID + 1, "", "");
        upstream.receive(InMemoryUpstream.message("bob@localhost", "alice@localhost", "answers rid+1"));
        assertTrue(held.answered());
        RecordingExchange early = send(RID + 3, "", "<message xmlns='jabber:client' to='bob@localhost' id='third'/>");

        assertEquals(Duration.ofSeconds(30), early.heldFor(), "rid+2 may be on its way: the whole wait");
        clock.advance(Duration.ofSeconds(9));
        RecordingExchange overtaken = send(RID + 2, "",
                "<message xmlns='jabber:client' to='bob@localhost' id='second'/>");

        assertEquals(List.of("second", "third"), sentIds(), "in rid order");
        assertTrue(overtaken.answered(), "hold=1: rid+2 goes back once rid+3 is held");
        assertFalse(early.answered());
    }

    /**
     * Strophe's restore when the reload also closed the held request's connection: rid+3 alone is not every request
     * the client may have open, so it waits; rid+4 fills the client's window (requests=2), so rid+2 cannot be on its
     * way and is given up after the grace.
     */
    @Test
    void aGapIsGivenUpAfterTheGraceOnceTheClientsWholeWindowWaitsBehindIt_S14_2() throws Exception {
        heldRequestWhoseConnectionClosed();
        RecordingExchange third = send(RID + 3, "", "<message xmlns='jabber:client' to='bob@localhost' id='third'/>");
        assertEquals(Duration.ofSeconds(30), third.heldFor(), "alone, it may have overtaken rid+2");
        RecordingExchange fourth = send(RID + 4, "", "<message xmlns='jabber:client' to='bob@localhost' id='fourth'/>");

        assertEquals(BoshConfig.DEFAULT.ridGapGrace(), fourth.heldFor(), "two early requests: the client's window");
        clock.advance(BoshConfig.DEFAULT.ridGapGrace());
        fourth.expireWait();
        assertEquals(List.of("third", "fourth"), sentIds(), "rid+2 given up, the rest in rid order");
    }

    /** §11's extra request, a terminate, does not fill the window: the request it overtook may be on its way. */
    @Test
    void anEarlyTerminateLeavesRoomForTheRequestItOvertook_S11_S14_2() throws Exception {
        created("");
        send(RID + 1, "", "");
        RecordingExchange terminate = send(RID + 3, "type='terminate'", "");

        assertEquals(Duration.ofSeconds(30), terminate.heldFor(), "rid+1, rid+2 and the terminate: allowed");
    }

    @Test
    void aGivenUpRidThatComesAfterAllIsForwardedLateAndAnsweredAtOnce_S14_2() throws Exception {
        created("");
        send(RID + 1, "", "");
        RecordingExchange early = send(RID + 3, "", "<message xmlns='jabber:client' to='bob@localhost' id='after'/>");
        early.expireWait();
        RecordingExchange late = send(RID + 2, "", "<message xmlns='jabber:client' to='bob@localhost' id='late'/>");

        assertEquals(List.of("after", "late"), sentIds(), "forwarded late rather than lost");
        assertEquals(200, late.status());
        assertTrue(parse(late.body()).children().isEmpty());
        assertFalse(early.answered(), "not the session's end: rid+3 is still held");
    }

    /**
     * A restart request given up as lost and then arriving still restarts the stream: the server waits for it after
     * SASL success (RFC 6120 §6.4.6), and without it the session stayed stuck (seen when a client's restart went to
     * another cluster node first).
     */
    @Test
    void aGivenUpRestartThatComesAfterAllRestartsTheStreamAndItsFeaturesGoOutOnTheHeldRequest_S14_2_R80()
            throws Exception {
        created("");
        send(RID + 1, "", "");
        RecordingExchange early = send(RID + 3, "", "");
        early.expireWait();
        RecordingExchange late = send(RID + 2, "to='localhost' xml:lang='en' xmpp:restart='true' "
                + "xmlns:xmpp='urn:xmpp:xbosh'", "");

        assertEquals(2, upstream.headers.size(), "the restart went up");
        assertEquals(200, late.status());
        upstream.open("stream-2");
        upstream.features();
        assertTrue(parse(early.body()).child(Namespaces.STREAMS, "features").isPresent(),
                "the new features on the request held meanwhile");
    }

    @Test
    void withKeysAnEarlyRequestWaitsForTheGapItsWholeWait_S15() throws Exception {
        create("newkey='" + sha1("k2") + "'");
        upstream.open("s");
        upstream.features();
        RecordingExchange early = send(RID + 2, "key='k2'", "");

        assertEquals(Duration.ofSeconds(30), early.heldFor(), "a lost request would break the key chain");
        early.expireWait();
        assertEquals("error", attr(parse(early.body()), "type"), "recoverable: the client resends (§17.3)");
    }

    @Test
    void aStanzaArrivingAfterTheClientClosedItsHeldConnectionWaitsForTheNextRequest_R22() throws Exception {
        RecordingExchange held = heldRequestWhoseConnectionClosed();
        assertEquals("idle 60", lifetime.last(), "nothing held any more: inactivity runs (§10)");
        upstream.receive(InMemoryUpstream.message("bob@localhost", "alice@localhost", "while away"));

        assertFalse(held.delivered(), "nothing is written to a closed connection");
        RecordingExchange next = send(RID + 2, "", "");
        assertTrue(parse(next.body()).child(Namespaces.JABBER_CLIENT, "message").isPresent());
        assertTrue(next.body().contains("while away"));
    }

    @Test
    void aResendOfTheRidWhoseConnectionClosedGetsAnEmptyReplayNotAnError_R43() throws Exception {
        RecordingExchange held = heldRequestWhoseConnectionClosed();
        RecordingExchange resend = send(RID + 1, "", "");

        XmlElement body = parse(resend.body());
        assertEquals(null, attr(body, "type"), "not terminal: the session goes on");
        assertTrue(body.childElements().isEmpty());
    }

    @Test
    void aResponseWhoseWriteFailsPutsItsPayloadsBackInFrontOfWhatIsPending() throws Exception {
        created("");
        RecordingExchange held = send(RID + 1, "", "");
        held.failWrites();
        upstream.receive(InMemoryUpstream.message("bob@localhost", "alice@localhost", "first"));
        upstream.receive(InMemoryUpstream.message("bob@localhost", "alice@localhost", "second"));

        assertTrue(held.answered(), "the session tried to answer");
        assertFalse(held.delivered());
        RecordingExchange next = send(RID + 2, "", "");
        assertEquals(List.of("first", "second"), bodies(next), "in order, each once");
        RecordingExchange resend = send(RID + 1, "", "");
        assertFalse(resend.body().contains("first"), "a resend of the failed rid does not carry them again");
    }

    @Test
    void whileAnAnswerIsBeingWrittenALaterRequestCarriesNothingAndIfTheWriteFailsBothGoOutInOrder_R24()
            throws Exception {
        ParkedAnswer first = parkedAnswerToTheFirstPoll();
        RecordingExchange second = send(RID + 2, "", "");
        upstream.receive(InMemoryUpstream.message("bob@localhost", "alice@localhost", "second"));
        assertFalse(second.answered(), "nothing overtakes an answer whose outcome is unknown");

        first.finish(false);
        assertEquals(List.of("first", "second"), bodies(second), "the failed answer's payload goes first");
    }

    @Test
    void whenTheAnswerBeingWrittenArrivesWhatCameMeanwhileGoesToTheNextRequest_R24() throws Exception {
        ParkedAnswer first = parkedAnswerToTheFirstPoll();
        RecordingExchange second = send(RID + 2, "", "");
        upstream.receive(InMemoryUpstream.message("bob@localhost", "alice@localhost", "second"));

        first.finish(true);
        assertEquals(List.of("first"), bodies(first.exchange()));
        assertEquals(List.of("second"), bodies(second));
    }

    @Test
    void aResendGivenAnAnswerWhoseWriteThenFailsCarriesItsPayloadsOnce_R43() throws Exception {
        ParkedAnswer first = parkedAnswerToTheFirstPoll();
        RecordingExchange resend = send(RID + 1, "", "");
        assertEquals(List.of("first"), bodies(resend), "the resend carries the answer being written");

        first.finish(false);
        RecordingExchange next = send(RID + 2, "", "");
        upstream.receive(InMemoryUpstream.message("bob@localhost", "alice@localhost", "second"));
        assertEquals(List.of("second"), bodies(next), "the resend had it: not queued a second time");
    }

    /** The first poll's answer, carrying "first", while it is being written (on a thread of its own). */
    private record ParkedAnswer(RecordingExchange exchange, Thread writer) {
        /** The write ends, reaching the client or not, and the session has been told. */
        void finish(boolean delivered) throws InterruptedException {
            exchange.finishWrite(delivered);
            writer.join();
        }
    }

    /**
     * A plain upstream is read by the poller, one platform thread for every stream (issue 10): a stanza it delivers
     * is decided and answered on it, and an answer that the client's socket does not take at once is finished by
     * another thread ({@link BoshExchange#respond}), so the poller reads on while the answer is under way.
     */
    @Test
    void anAnswerWaitingOnASlowClientDoesNotHoldTheThreadThatDeliveredTheStanza() throws Exception {
        created("");
        RecordingExchange poll = send(RID + 1, "", "");
        poll.parkWrites();
        FutureTask<Void> poller = new FutureTask<>(() -> {
            upstream.receive(InMemoryUpstream.message("bob@localhost", "alice@localhost", "first"));
            poll.awaitWriting();
            upstream.receive(InMemoryUpstream.message("bob@localhost", "alice@localhost", "second"));
            return null;
        });
        Thread.ofPlatform().name("upstream-poller, played").start(poller);
        try {
            poller.get(10, TimeUnit.SECONDS); // a TimeoutException here: the delivering thread waited on the write
        } finally {
            poll.finishWrite(true);
        }
        poll.awaitAnswer();
        assertEquals(List.of("first"), bodies(poll));
        RecordingExchange next = send(RID + 2, "", "");
        next.awaitAnswer();
        assertEquals(List.of("second"), bodies(next), "what arrived during the write waits for the next request");
    }

    private ParkedAnswer parkedAnswerToTheFirstPoll() throws Exception {
        created("");
        RecordingExchange first = send(RID + 1, "", "");
        first.parkWrites();
        Thread writer = Thread.ofPlatform().start(() -> upstream.receive(
                InMemoryUpstream.message("bob@localhost", "alice@localhost", "first")));
        first.awaitWriting();
        return new ParkedAnswer(first, writer);
    }

    private static List<String> bodies(RecordingExchange exchange) throws Exception {
        return parse(exchange.body()).childElements().stream()
                .map(m -> m.child(Namespaces.JABBER_CLIENT, "body").orElseThrow().text()).toList();
    }

    @Test
    void aRequestAfterTheSessionEndedGetsItemNotFound_XEP0124_17_2() throws Exception {
        created("");
        send(RID + 1, "type='terminate'", "");
        RecordingExchange late = send(RID + 2, "", "");

        XmlElement body = parse(late.body());
        assertEquals("terminate", attr(body, "type"));
        assertEquals("item-not-found", attr(body, "condition"));
    }

    @Test
    void aServerEndWithNothingHeldIsToldToTheNextRequestThenTheSessionIsGone_XEP0206_6() throws Exception {
        created("");
        XmlElement error = XmlElement.of(Namespaces.STREAMS, "error")
                .withChild(XmlElement.of(Namespaces.STREAM_ERRORS, "conflict"));
        upstream.end(new UpstreamEnd(UpstreamEnd.Reason.STREAM_ERROR, error, "conflict"));

        XmlElement told = parse(send(RID + 1, "", "").body());
        assertEquals("remote-stream-error", attr(told, "condition"));
        assertTrue(told.child(Namespaces.STREAMS, "error").isPresent());
        assertEquals("item-not-found", attr(parse(send(RID + 2, "", "").body()), "condition"));
    }

    @Test
    void aPauseAboveMaxpauseIsAPolicyViolation() throws Exception {
        created("");
        RecordingExchange pause = send(RID + 1, "pause='100000'", "");

        assertEquals("policy-violation", attr(parse(pause.body()), "condition"));
    }

    @Test
    void terminateForwardsItsPayloadsAndClosesTheUpstream_R38() throws Exception {
        created("");
        RecordingExchange held = send(RID + 1, "", "");
        RecordingExchange terminate = send(RID + 2, "type='terminate'",
                "<presence xmlns='jabber:client' type='unavailable'/>");

        assertEquals("terminate", attr(parse(terminate.body()), "type"));
        assertEquals("terminate", attr(parse(held.body()), "type"));
        assertTrue(upstream.sent.get(0).is(Namespaces.JABBER_CLIENT, "presence"));
        assertTrue(upstream.closed);
    }

    /**
     * §11 lets the client have one request more than {@code requests} if it pauses or terminates. The extra one can
     * overtake the request before it on the network (seen with every node of a cluster tearing down 300 clients at
     * once: 79 sessions ended with {@code policy-violation} and the last request's payloads were dropped). The
     * overtaken request is then processed while the terminate waits for its turn, and the terminate's allowance
     * must count for it too.
     */
    @Test
    void aTerminateThatOvertookTheRequestBeforeItStillHasItsExtraRequest_R33_R40() throws Exception {
        created("");
        RecordingExchange held = send(RID + 1, "", "");
        RecordingExchange terminate = send(RID + 3, "type='terminate'", "");
        assertFalse(terminate.answered(), "early: it waits for rid+2 (§14.2)");
        RecordingExchange last = send(RID + 2, "", "<presence xmlns='jabber:client' type='unavailable'/>");

        assertEquals("terminate", attr(parse(terminate.body()), "type"));
        assertNull(attr(parse(terminate.body()), "condition"), "a clean end, not policy-violation");
        assertTrue(held.answered() && last.answered());
        assertTrue(upstream.sent.get(0).is(Namespaces.JABBER_CLIENT, "presence"), "the last payload went upstream");
        assertTrue(upstream.closed);
    }

    /**
     * An early pause is answered at once (§10) and no longer counts as open, so it is not also the extra request of
     * §11 for the others: rid+1 held, rid+2, rid+3 are three open requests where requests=2.
     */
    @Test
    void anEarlyPauseAnsweredAtOnceLeavesNoExtraRequestForTheOthers_R33() throws Exception {
        created("");
        send(RID + 1, "", "");
        send(RID + 3, "", "");
        RecordingExchange pause = send(RID + 4, "pause='60'", "");
        assertTrue(pause.answered(), "answered at once");
        RecordingExchange overtaken = send(RID + 2, "", "<presence xmlns='jabber:client'/>");

        assertEquals("policy-violation", attr(parse(overtaken.body()), "condition"),
                "three requests open besides the pause where requests=2");
    }

    @Test
    void aThirdOrdinaryRequestStillOvertakingItsPredecessorIsAPolicyViolation_R33() throws Exception {
        created("");
        send(RID + 1, "", "");
        RecordingExchange early = send(RID + 3, "", "");
        RecordingExchange overtaken = send(RID + 2, "", "<presence xmlns='jabber:client'/>");

        assertEquals("policy-violation", attr(parse(overtaken.body()), "condition"),
                "three requests at once where requests=2 and none of them ends or pauses the session");
        assertEquals("policy-violation", attr(parse(early.body()), "condition"));
    }

    @Test
    void aLostResponseIsReportedAndResentWhenTheClientAcksLess_R27_R28() throws Exception {
        XmlElement creation = created("ack='1'");
        assertEquals(String.valueOf(RID), attr(creation, "ack"), "the CM declares acks (R18)");
        RecordingExchange first = send(RID + 1, "ack='" + RID + "'", "");
        upstream.receive(InMemoryUpstream.message("bob@localhost", "alice@localhost", "lost"));
        assertTrue(first.answered(), "this response is lost on the way to the client");
        clock.advance(Duration.ofMillis(1500));
        RecordingExchange second = send(RID + 2, "ack='" + RID + "'", "");

        XmlElement report = parse(second.body());
        assertEquals(String.valueOf(RID + 1), attr(report, "report"));
        assertEquals("1500", attr(report, "time"));
        RecordingExchange resend = send(RID + 1, "ack='" + RID + "'", "");
        assertEquals(first.body(), resend.body(), "the lost response comes again from the buffer");
        assertTrue(resend.body().contains("lost"));
    }

    @Test
    void anUpstreamStreamErrorEndsTheSessionAsRemoteStreamError_XEP0206_6() throws Exception {
        created("");
        RecordingExchange held = send(RID + 1, "", "");
        upstream.receive(InMemoryUpstream.message("bob@localhost", "alice@localhost", "before"));
        RecordingExchange next = send(RID + 2, "", "");
        XmlElement error = XmlElement.of(Namespaces.STREAMS, "error")
                .withChild(XmlElement.of(Namespaces.STREAM_ERRORS, "conflict"));
        upstream.end(new UpstreamEnd(UpstreamEnd.Reason.STREAM_ERROR, error, "conflict"));

        XmlElement body = parse(next.body());
        assertTrue(held.answered());
        assertEquals("remote-stream-error", attr(body, "condition"));
        assertTrue(body.child(Namespaces.STREAMS, "error").orElseThrow()
                .child(Namespaces.STREAM_ERRORS, "conflict").isPresent());
    }

    @Test
    void aServerLostMidSessionEndsTheHeldRequestWithRemoteConnectionFailed_XEP0124_17_2() throws Exception {
        created("");
        RecordingExchange held = send(RID + 1, "", "");
        upstream.end(new UpstreamEnd(UpstreamEnd.Reason.CONNECTION_FAILED, null, "closed without </stream:stream>"));

        XmlElement body = parse(held.body());
        assertEquals("terminate", attr(body, "type"));
        assertEquals("remote-connection-failed", attr(body, "condition"), "not a clean end: the client reconnects");
    }

    @Test
    void anUnreachableUpstreamEndsTheCreationWithRemoteConnectionFailed() throws Exception {
        RecordingExchange creation = create("");
        upstream.end(new UpstreamEnd(UpstreamEnd.Reason.CONNECTION_FAILED, null, "refused"));

        assertEquals("remote-connection-failed", attr(parse(creation.body()), "condition"));
    }

    /**
     * XEP-0198 §5: a clean close ends the server's session, a dropped connection leaves it resumable. Here the
     * server's {@code <a/>} arrives while the client's terminate is answered, before the upstream is closed (seen
     * with StanzaJS, which asks for an ack right before it terminates); the stream must still be closed, not dropped,
     * or the server keeps the session for its resumption period and the contacts never see the client go offline.
     */
    @Test
    void aServerStanzaCrossingTheTerminateLeavesItACleanClose_XEP0124_13_XEP0198_5() throws Exception {
        created("");
        RecordingExchange enabling = send(RID + 1, "", "");
        upstream.receive(parse("<enabled xmlns='urn:xmpp:sm:3' id='sm-1' resume='true'/>"));
        assertTrue(enabling.answered(), "the server granted resumption: " + enabling.body());
        send(RID + 2, "", "");
        RecordingExchange terminate = new RecordingExchange();
        XmlElement ack = parse("<a xmlns='urn:xmpp:sm:3' h='7'/>");
        terminate.whileAnswering = () -> upstream.receive(ack);

        session.handle(request("<body xmlns='http://jabber.org/protocol/httpbind' sid='sid1' rid='" + (RID + 3)
                + "' type='terminate'/>"), terminate);

        assertEquals("terminate", attr(parse(terminate.body()), "type"));
        assertTrue(upstream.closed, "the stream is closed with </stream:stream>");
        assertFalse(upstream.aborted, "the stream is not dropped");
    }

    @Test
    void stanzasForAnExpiredClientGoBackToTheServer_XEP0206_7() throws Exception {
        created("");
        upstream.receive(InMemoryUpstream.message("bob@localhost/x", "alice@localhost/y", "undelivered"));
        session.expired();

        XmlElement bounce = upstream.sent.get(0);
        assertEquals("error", bounce.attribute("type").orElseThrow());
        assertEquals("bob@localhost/x", bounce.attribute("to").orElseThrow());
        assertTrue(bounce.child(Namespaces.JABBER_CLIENT, "error").orElseThrow()
                .child(Namespaces.STANZA_ERRORS, "recipient-unavailable").isPresent());
        assertTrue(upstream.closed);
    }

    @Test
    void restartOpensANewUpstreamStreamAndReturnsTheNewFeatures_R80() throws Exception {
        created("");
        RecordingExchange restart = send(RID + 1, "to='localhost' xml:lang='en' xmpp:restart='true' "
                + "xmlns:xmpp='urn:xmpp:xbosh'", "");
        assertEquals(2, upstream.headers.size());
        upstream.open("stream-2");
        upstream.features();

        assertTrue(parse(restart.body()).child(Namespaces.STREAMS, "features").isPresent());
    }

    @Test
    void everyExchangeIsAnsweredAtMostOnce() throws Exception {
        RecordingExchange creation = create("");
        upstream.open("s");
        upstream.features();
        RecordingExchange a = send(RID + 1, "", "");
        RecordingExchange b = send(RID + 2, "", "");
        a.expireWait();
        b.expireWait();
        session.shutdown();
        for (RecordingExchange exchange : List.of(creation, a, b)) {
            assertEquals(1, exchange.answers());
        }
    }

    @Test
    void shutdownTellsTheClientSystemShutdown() throws Exception {
        created("");
        RecordingExchange held = send(RID + 1, "", "");
        session.shutdown();

        assertEquals("system-shutdown", attr(parse(held.body()), "condition"));
        assertTrue(upstream.closed);
    }

    @Test
    void aClientAskingForHoldTwoGetsOneByDefault_asProsodyAndEjabberdGrant() throws Exception {
        RecordingExchange creation = new RecordingExchange();
        BoshRequest request = request("<body xmlns='http://jabber.org/protocol/httpbind' rid='" + RID + "'"
                + " to='localhost' wait='30' hold='2' ver='1.11'/>");
        session = new BoshSession("sid1", BoshParams.negotiate(request, BoshConfig.DEFAULT), BoshConfig.DEFAULT,
                clock, lifetime, null, upstream, null, creation, Metrics.NONE);
        session.start();
        upstream.open("s");
        upstream.features();

        assertEquals("1", attr(parse(creation.body()), "hold"));
        assertEquals("2", attr(parse(creation.body()), "requests"));
    }

    @Test
    void holdOfTwoKeepsTwoRequestsAndReleasesTheOldestForAThird_R24() throws Exception {
        create(2, "");
        upstream.open("s");
        upstream.features();
        RecordingExchange first = send(RID + 1, "", "");
        RecordingExchange second = send(RID + 2, "", "");
        assertFalse(first.answered() || second.answered(), "hold=2: both are held");
        RecordingExchange third = send(RID + 3, "", "");

        assertTrue(first.answered(), "the oldest goes back first (R24)");
        assertFalse(second.answered());
        assertFalse(third.answered());
    }

    @Test
    void moreSimultaneousRequestsThanAllowedIsAPolicyViolation_R33() throws Exception {
        create(2, "");
        upstream.open("s");
        upstream.features();
        send(RID + 1, "", "");
        send(RID + 2, "", "");
        RecordingExchange early4 = send(RID + 4, "", "");
        RecordingExchange early5 = send(RID + 5, "", "");
        assertFalse(early4.answered() || early5.answered(), "inside the window: they wait for rid+3");
        RecordingExchange third = send(RID + 3, "", "");

        assertEquals("policy-violation", attr(parse(third.body()), "condition"),
                "five unanswered requests where requests=3");
        assertTrue(upstream.closed);
    }

    @Test
    void keySequencingAcceptsTheChainAndRejectsABrokenKey_R48() throws Exception {
        String k3 = "k3";
        String k2 = sha1(k3);
        String k1 = sha1(k2);
        create("newkey='" + k1 + "'");
        upstream.open("s");
        upstream.features();
        RecordingExchange second = send(RID + 1, "key='" + k2 + "'", "");
        RecordingExchange third = send(RID + 2, "key='" + k3 + "'", "");
        assertFalse(third.answered(), "the chain holds: the request is held");
        assertTrue(second.answered(), "released by hold=1, not by an error");
        assertEquals(null, attr(parse(second.body()), "condition"));
        RecordingExchange bad = send(RID + 3, "key='not-the-key'", "");

        assertEquals("item-not-found", attr(parse(bad.body()), "condition"));
    }

    private static String sha1(String text) throws Exception {
        return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-1")
                .digest(text.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void aPauseCarryingALaggingAckAnswersEverythingAndKeepsTheReportForLater_R28_R31() throws Exception {
        BoshConfig reportAtOnce = BoshConfig.builder().reportAfter(Duration.ZERO).build();
        BoshRequest creation = request("<body xmlns='http://jabber.org/protocol/httpbind' rid='" + RID + "' to='localhost'"
                + " wait='30' hold='1' ver='1.11' ack='1'/>");
        session = new BoshSession("sid1", BoshParams.negotiate(creation, reportAtOnce), reportAtOnce, clock,
                lifetime, null, upstream, null, new RecordingExchange(), Metrics.NONE);
        session.start();
        upstream.open("s");
        upstream.features();
        RecordingExchange first = send(RID + 1, "ack='" + RID + "'", "");
        upstream.receive(InMemoryUpstream.message("bob@localhost", "alice@localhost", "maybe lost"));
        assertTrue(first.answered());
        RecordingExchange pause = send(RID + 2, "pause='60' ack='" + RID + "'", "");

        assertEquals(200, pause.status());
        assertTrue(parse(pause.body()).children().isEmpty(), "the pause response carries nothing (R32)");
        RecordingExchange resend = send(RID + 1, "ack='" + RID + "'", "");
        assertEquals(first.body(), resend.body(), "the unacknowledged response is still there to resend");
    }
}
