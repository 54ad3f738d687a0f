package org.portico.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The demo page's other cards as people use them, in HtmlUnit browsers through an in-process Portico to the local
 * Prosody, over each transport: blocking, file sharing, the feed, service discovery, carbons across two tabs and the
 * XML console (web-demo/README.md lists the cards and the hooks these tests read). {@link DemoPageTest} covers
 * message statuses, typing, history, group chat and reload.
 */
class DemoPageUseCasesTest extends HtmlUnitDemoTest {

    @TempDir
    Path files;

    /**
     * carol blocks alice and unblocks her again (carol, so no other test's alice–bob conversation can meet a block
     * left behind by a failure here). Blocking cuts carol's presence to alice (XEP-0191 §3.3, RFC 6121 §4.3.2's
     * unavailable presence) and unblocking sends it again (§3.4).
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(Transport.class)
    void blockingAContactHidesOnesPresenceFromThemAndUnblockingShowsItAgain_XEP0191(Transport transport) {
        DemoTab carol = loggedIn(transport, "carol");
        DemoTab alice = loggedIn(transport, "alice");
        carol.awaitOnline("alice");
        alice.awaitOnline("carol");

        carol.block("alice");
        try {
            carol.await("alice in carol's block list",
                    () -> carol.exists("#blocklist li[data-jid='" + DemoTab.jid("alice") + "']"));
            alice.awaitAttribute(DemoTab.rosterEntry("carol"), "data-presence", "unavailable");
        } finally {
            carol.unblock("alice");
        }
        carol.await("carol's block list empty again", () -> carol.count("#blocklist li[data-jid]") == 0);
        alice.awaitOnline("carol");
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Transport.class)
    void aFileChosenInTheChatIsUploadedAndTheOtherGetsItsLink_XEP0363_XEP0066(Transport transport)
            throws IOException {
        DemoTab alice = loggedIn(transport, "alice");
        DemoTab bob = loggedIn(transport, "bob");
        DemoTab.openConversation(alice, bob);
        String name = "note-" + randomSuffix() + ".txt";
        Path file = Files.writeString(files.resolve(name), "a small file for bob\n", StandardCharsets.UTF_8);

        alice.upload(file);

        alice.await("#upload-status done or error", () -> List.of("done", "error")
                .contains(String.valueOf(alice.attribute("#upload-status", "data-state"))));
        assertEquals("done", alice.attribute("#upload-status", "data-state"), alice.text("#upload-status"));
        String link = "#messages .message[data-direction=in] a.attachment[href*='" + name + "']";
        bob.await("a link to " + name, () -> bob.exists(link));
        String url = bob.attribute(link, "href");
        assertTrue(url.contains("/file_share/"), url);
        assertTrue(alice.exists("#messages .message[data-direction=out] a.attachment[href='" + url + "']"),
                "alice's copy of the message links the same URL");
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Transport.class)
    void aPostPublishedToTheFeedReachesAContactLive_XEP0060_XEP0163_XEP0277(Transport transport) {
        DemoTab alice = loggedIn(transport, "alice");
        DemoTab bob = loggedIn(transport, "bob");
        alice.awaitOnline("bob");
        bob.awaitOnline("alice");
        String post = unique("alice's post");

        alice.publish(post);

        alice.await("alice's post in her own feed", () -> alice.feedShows("alice", post));
        bob.await("alice's post in bob's feed", () -> bob.feedShows("alice", post));
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Transport.class)
    void afterLoginTheServerCardListsTheDomainsFeaturesAndItsServices_XEP0030(Transport transport) {
        DemoTab alice = loggedIn(transport, "alice");

        // What Prosody advertises on the domain itself; MAM (XEP-0313) is advertised on the account, not here.
        for (String feature : List.of("http://jabber.org/protocol/disco#info", "urn:xmpp:ping",
                "urn:xmpp:carbons:2", "urn:xmpp:blocking")) {
            alice.await("disco#info feature " + feature,
                    () -> alice.exists("#disco-features li[data-var='" + feature + "']"));
        }
        for (String service : List.of("conference.localhost", "upload.localhost")) {
            alice.await("disco#items item " + service,
                    () -> alice.exists("#disco-items li[data-jid='" + service + "']"));
        }
        assertTrue(alice.count("#stream-features li") > 0, "the stream features offered after login");
    }

    /**
     * alice is logged in in two tabs (two resources). bob's message reaches both; what alice writes in one tab
     * appears in the other as a sent carbon (XEP-0280 §6).
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(Transport.class)
    void withTwoTabsBothShowIncomingMessagesAndEachShowsWhatTheOtherSent_XEP0280(Transport transport) {
        DemoTab alice = loggedIn(transport, "alice");
        DemoTab aliceAgain = loggedIn(transport, "alice");
        DemoTab bob = loggedIn(transport, "bob");
        alice.awaitCarbonsEnabled();
        aliceAgain.awaitCarbonsEnabled();
        DemoTab.openConversation(alice, bob);
        aliceAgain.openChat("bob");

        String fromBob = unique("hello both alices");
        bob.awaitServerHas(bob.send(fromBob));
        alice.awaitIncoming(fromBob);
        aliceAgain.awaitIncoming(fromBob);

        String fromAlice = unique("written in the first tab");
        String id = alice.send(fromAlice);
        bob.awaitIncoming(fromAlice);
        String copy = aliceAgain.awaitMessage(fromAlice);
        assertEquals("sent", aliceAgain.message(copy, "data-carbon"), "the second tab's copy is a sent carbon");
        assertEquals("out", aliceAgain.message(copy, "data-direction"));
        assertEquals(id, copy, "the carbon keeps the message's id");
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Transport.class)
    void theXmlConsoleShowsTheWireInBothDirectionsAndMasksThePassword(Transport transport) {
        DemoTab alice = loggedIn(transport, "alice");

        for (String direction : List.of("out", "in")) {
            assertTrue(alice.count("#console-log .console-entry[data-direction=" + direction + "][data-transport="
                    + transport.pageValue + "]") > 0, direction);
        }
        assertTrue(alice.exists("#console"), "the console card");
        String console = (String) alice.evaluate("document.getElementById('console-log').textContent");
        String plain = Base64.getEncoder().encodeToString("\0alice\0alicepw".getBytes(StandardCharsets.UTF_8));
        assertTrue(console.contains("urn:ietf:params:xml:ns:xmpp-sasl"), "the console shows the authentication");
        assertFalse(console.contains("alicepw") || console.contains(plain),
                "the password, as text or as SASL PLAIN's base64, never appears in the console");
    }
}
