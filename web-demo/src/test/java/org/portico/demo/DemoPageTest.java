package org.portico.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The demo page as two people use it, alice and bob in two HtmlUnit browsers, through an in-process Portico to the
 * local Prosody, over each transport (issue 4; web-demo/README.md lists the hooks these tests read).
 */
class DemoPageTest extends HtmlUnitDemoTest {

    /** The page's empty poll: a {@code <body/>} with nothing in it and no pause, restart or terminate. */
    private static final Pattern EMPTY_POLL = Pattern.compile("<body(?![^>]*\\b(?:pause|type|xmpp:restart)=)[^>]*/>");

    @ParameterizedTest(name = "{0}")
    @EnumSource(Transport.class)
    void aMessageGoesFromSendingToServerHasItToDeliveredToSeen_XEP0198_XEP0184_XEP0333(Transport transport) {
        DemoTab alice = loggedIn(transport, "alice");
        DemoTab bob = loggedIn(transport, "bob");
        DemoTab.openConversation(bob, alice);
        alice.recordMessageStatuses();

        String text = unique("hello bob");
        String id = alice.send(text);

        alice.awaitStatus(id, "displayed");
        bob.awaitIncoming(text);
        // every step, in order: the server answers alice's <r/> as it routes the message, before bob can answer,
        // and bob's page sends its receipt before its displayed marker; Portico keeps that order on both transports
        assertEquals("pending acked delivered displayed", alice.recordedStatuses(id),
                "statuses alice's message went through, in order");
        assertTrue(alice.receivedInConsole("urn:xmpp:receipts", id), "bob's delivery receipt reached alice");
        assertEquals("displayed", bob.message(id, "data-status"),
                "bob's copy is marked as seen by him");
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Transport.class)
    void whileOneTypesTheOtherSeesItAndTheIndicatorClearsWhenTheMessageArrives_XEP0085(Transport transport) {
        DemoTab alice = loggedIn(transport, "alice");
        DemoTab bob = loggedIn(transport, "bob");
        DemoTab.openConversation(bob, alice);

        alice.type("I am wri");
        bob.awaitAttribute("#typing", "data-state", "composing");
        assertEquals(DemoTab.jid("alice"), bob.attribute("#typing", "data-jid"));
        assertTrue(bob.text("#typing").contains("alice"), bob.text("#typing"));

        String text = unique("I am writing");
        alice.type(text.substring("I am wri".length()));
        alice.click("#send");
        bob.awaitIncoming(text);
        bob.awaitAttribute("#typing", "data-state", "");
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Transport.class)
    void openingAConversationAfterLoggingInAgainShowsTheEarlierMessagesFromTheArchive_XEP0313(Transport transport) {
        DemoTab alice = loggedIn(transport, "alice");
        DemoTab bob = loggedIn(transport, "bob");
        DemoTab.openConversation(bob, alice);
        String first = unique("before logging out");
        String second = unique("also before");
        alice.awaitServerHas(alice.send(first));
        alice.awaitServerHas(alice.send(second));
        String reply = unique("bob's answer");
        bob.awaitServerHas(bob.send(reply));
        alice.awaitIncoming(reply);

        alice.logOut();
        assertEquals(0, alice.count("#messages .message"), () -> "logging out clears the conversation, yet it shows "
                + alice.evaluate("document.getElementById('messages').outerHTML") + " " + alice.summary());
        alice.logIn("alice");
        alice.openChat("bob");

        alice.await("the archive query to finish", () -> !alice.attribute("#history-loaded", "data-count").isEmpty());
        assertEquals(DemoTab.jid("bob"), alice.attribute("#history-loaded", "data-with"));
        assertTrue(Integer.parseInt(alice.attribute("#history-loaded", "data-count")) >= 3,
                alice.text("#history-loaded"));
        for (String text : List.of(first, second, reply)) {
            assertEquals("true", alice.message(alice.awaitMessage(text), "data-archived"), text + " from the archive");
        }
        assertEquals("out", alice.message(alice.awaitMessage(first), "data-direction"));
        assertEquals("in", alice.message(alice.awaitMessage(reply), "data-direction"));
    }

    /**
     * bob writes to carol while she is logged out, so the server keeps the message (XEP-0160). carol logs in and picks
     * alice before the page is online. The page reads a conversation's history only once its initial presence has
     * gone out (RFC 6121 §4.2.2), which is when the server sends what it kept: Prosody's mod_mam holds the offline
     * messages back from a session that queried the archive first, and alice's history would not have shown bob's
     * message. Found as a CI failure of {@link ManyTabsInOneBrowserTest}. carol, because no other test leaves a
     * session of hers behind that could take the message instead.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(Transport.class)
    void aMessageKeptForOneWhileLoggedOutArrivesLiveThoughAConversationWasOpenedDuringLogin_XEP0160(
            Transport transport) {
        DemoTab bob = loggedIn(transport, "bob");
        bob.openChat("carol");
        String kept = unique("kept while carol was away");
        bob.awaitServerHas(bob.send(kept));

        DemoTab carol = opened(transport).logInWithConversationOpen("carol", "alice");
        carol.await("the history with alice to load", () -> !carol.attribute("#history-loaded", "data-count")
                .isEmpty());
        assertEquals(DemoTab.jid("alice"), carol.attribute("#history-loaded", "data-with"));
        carol.openChat("bob");

        String id = carol.awaitMessage(kept);
        assertNotEquals("true", carol.message(id, "data-archived"),
                "bob's message came when carol became available, not only later from the archive");
        assertEquals("in", carol.message(id, "data-direction"));
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Transport.class)
    void bothJoinARoomSeeEachOtherAsOccupantsAndExchangeGroupMessages_XEP0045(Transport transport) {
        DemoTab alice = loggedIn(transport, "alice");
        DemoTab bob = loggedIn(transport, "bob");
        String room = "demo-" + randomSuffix();

        alice.joinRoom(room);
        bob.joinRoom(room);

        for (DemoTab tab : List.of(alice, bob)) {
            tab.await("alice and bob among the occupants", () -> tab.exists("#occupants li[data-nick=alice]")
                    && tab.exists("#occupants li[data-nick=bob]"));
            assertTrue(tab.attribute("#room-status", "data-room").startsWith(room + "@"),
                    tab.attribute("#room-status", "data-room"));
        }
        String hello = unique("hello room");
        alice.sayInRoom(hello);
        String answer = unique("hi alice");
        bob.sayInRoom(answer);

        for (DemoTab tab : List.of(alice, bob)) {
            tab.await("alice's and bob's group messages", () -> tab.roomMessage("alice", hello)
                    && tab.roomMessage("bob", answer));
        }
    }

    /**
     * The page unloads and loads again in the same tab; meanwhile bob writes. Over BOSH the page pauses the session
     * (XEP-0124 §10, R31) and restores it; over WebSocket it resumes with Portico's token
     * ({@code docs/websocket-resume.md}). Either way: no login, nothing lost, bob's message arrives and is seen.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(Transport.class)
    void afterAReloadTheSessionContinuesWithoutLoginAndAMessageSentMeanwhileArrives(Transport transport) {
        DemoTab alice = loggedIn(transport, "alice");
        DemoTab bob = loggedIn(transport, "bob");
        DemoTab.openConversation(alice, bob);
        String before = unique("before the reload");
        alice.awaitStatus(alice.send(before), "displayed");

        alice.leave();
        String meanwhile = unique("sent while alice reloads");
        String id = bob.send(meanwhile);
        bob.awaitStatus(id, "acked");
        assertEquals("acked", bob.message(id, "data-status"),
                "not delivered while alice's page is away");
        alice.comeBack();

        alice.awaitAttribute("body", "data-connection", "online");
        assertEquals("true", alice.attribute("#resume-info", "data-resumed"), alice.text("#resume-info"));
        assertEquals("0", alice.attribute("#resume-info", "data-lost"), alice.text("#resume-info"));
        assertEquals(transport.pageValue, alice.attribute("#resume-info", "data-transport"));
        assertTrue(alice.hasAttribute("#login-form", "hidden"), "no login form after the reload");
        assertEquals(DemoTab.jid("bob"), alice.attribute("#chat-with", "data-jid"), "the conversation is open");
        alice.awaitMessage(before);
        alice.awaitIncoming(meanwhile);
        bob.awaitStatus(id, "displayed");

        String after = unique("after the reload");
        alice.awaitStatus(alice.send(after), "displayed");
        bob.awaitIncoming(after);
    }

    /**
     * A page unloading in a browser may cut off a request it has just sent (queued, or on its way), so the pause it
     * sends next (XEP-0124 §10) reaches Portico early, before a rid it follows (§14.2). Portico answers that pause
     * at once and lets it take effect in rid order; the next page sends the cut-off request again (§14.3), and the
     * session resumes with the message delivered. Before, the early pause waited for the gap, got a recoverable
     * error after its wait that nobody would act on, and the next page's requests waited for it for ever ("Resuming
     * the session…", seen in full runs on 2026-12-05 and 06).
     */
    @Test
    void aMessageWhoseRequestTheReloadCutOffIsSentByTheNextPageAndTheSessionResumes_XEP0124_S10_S14() {
        HtmlUnitTab alice = (HtmlUnitTab) loggedIn(Transport.BOSH, "alice");
        DemoTab bob = loggedIn(Transport.BOSH, "bob");
        DemoTab.openConversation(alice, bob);
        alice.awaitStatus(alice.send(unique("before the reload")), "displayed");
        String cutOff = unique("cut off by the reload");
        alice.cutOffRequests(body -> body.contains(cutOff));
        String id = alice.send(cutOff);
        alice.awaitSentInConsole(cutOff);

        reloadsAndGoesOnInTheSameSession(alice, bob);
        assertEquals(id, bob.awaitIncoming(cutOff), "sent once, by the next page");
    }

    /**
     * As above with an empty poll cut off: the next page sends it again too (the connection manager keeps every
     * response not acknowledged, §9), since the early pause after it takes effect only once it came (§14.2).
     */
    @Test
    void anEmptyPollTheReloadCutOffIsSentByTheNextPageAndTheSessionResumes_XEP0124_S10_S14() {
        HtmlUnitTab alice = (HtmlUnitTab) loggedIn(Transport.BOSH, "alice");
        DemoTab bob = loggedIn(Transport.BOSH, "bob");
        DemoTab.openConversation(alice, bob);
        alice.cutOffRequests(EMPTY_POLL.asMatchPredicate());
        alice.await("an empty poll cut off", () -> alice.requestsCutOff() > 0);

        reloadsAndGoesOnInTheSameSession(alice, bob);
    }

    /** Alice's tab reloads, resumes its session without losing anything, and her next message is seen by bob. */
    private static void reloadsAndGoesOnInTheSameSession(DemoTab alice, DemoTab bob) {
        alice.leave();
        alice.comeBack();
        alice.awaitAttribute("body", "data-connection", "online");
        assertEquals("true", alice.attribute("#resume-info", "data-resumed"), alice.text("#resume-info"));
        assertEquals("0", alice.attribute("#resume-info", "data-lost"), alice.text("#resume-info"));
        String after = unique("after the reload");
        alice.awaitStatus(alice.send(after), "displayed");
        bob.awaitIncoming(after);
    }
}
