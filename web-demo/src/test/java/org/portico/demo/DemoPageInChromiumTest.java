package org.portico.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.portico.testing.PorticoHarness;

/**
 * The demo page in a real browser: alice and bob each in headless Chromium (no HtmlUnit workarounds: BOSH with
 * its default one-minute wait, the browser's own WebSocket), through an in-process Portico to the local Prosody.
 *
 * <p>With {@code -Dportico.screenshot=docs/demo-screenshot.png} the BOSH run also saves what alice sees after
 * logging in, with the conversation open, at desktop width, and the same view at phone width beside it
 * ({@code …-phone.png}).
 */
class DemoPageInChromiumTest {

    @AutoClose
    private static PorticoHarness portico;

    private final List<DemoTab> tabs = new ArrayList<>();

    @BeforeAll
    static void startPortico() throws Exception {
        portico = PorticoHarness.start();
    }

    @BeforeEach
    void chromiumIsInstalled() {
        ChromiumTab.assumeInstalled();
    }

    private ChromiumTab loggedIn(Transport transport, String user) {
        ChromiumTab tab = new ChromiumTab(portico.uri("/"), transport);
        tabs.add(tab);
        tab.open().logIn(user);
        return tab;
    }

    @AfterEach
    void closeBrowsersAndCheckTheConsoleHasNoErrors() {
        assertEquals(List.of(), DemoTab.logOutAndClose(tabs), "errors on the browser console");
    }

    /**
     * Login, a conversation with every status, typing, and a real reload (the browser's own, with sendBeacon and
     * bfcache rules) while bob's message is on its way: BOSH pause (XEP-0124 §10, R31) or the WebSocket resume
     * token ({@code docs/websocket-resume.md}).
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(Transport.class)
    void logInChatAndReloadWithoutLosingTheSessionOrAMessageSentDuringTheReload(Transport transport) {
        // Plain sentences, as a person would write them (they end up in the README's screenshot): messages are
        // matched among this session's live ones, so the same text in the archive from an earlier run is no match.
        ChromiumTab alice = loggedIn(transport, "alice");
        ChromiumTab bob = loggedIn(transport, "bob");
        assertTrue(alice.text("#my-jid").startsWith(DemoTab.jid("alice") + "/"), alice.text("#my-jid"));
        DemoTab.openConversation(alice, bob);

        String hello = "Hi Bob! This page speaks XMPP over " + label(transport) + " through Portico.";
        String helloId = alice.send(hello);
        alice.awaitStatus(helloId, "displayed");
        String answer = "Hi Alice! Each message shows its path: sending, server has it, delivered, seen.";
        bob.awaitServerHas(bob.send(answer));
        alice.awaitIncoming(answer);
        bob.type("Now reload the page");
        alice.awaitAttribute("#typing", "data-state", "composing");
        saveScreenshotsIfAsked(transport, alice);

        String duringReload = "Sent while your page was reloading.";
        bob.evaluate("(function () { porticoDemo.chat.send(" + DemoTab.js(duringReload) + "); return null; }())");
        alice.reloadAndSettle();

        alice.awaitAttribute("body", "data-connection", "online");
        assertEquals("true", alice.attribute("#resume-info", "data-resumed"), alice.text("#resume-info"));
        assertEquals("0", alice.attribute("#resume-info", "data-lost"), alice.text("#resume-info"));
        assertEquals(transport.pageValue, alice.attribute("#resume-info", "data-transport"));
        assertTrue(alice.hasAttribute("#login-form", "hidden"), "no login form after the reload");
        assertEquals("displayed", alice.message(helloId, "data-status"),
                "the conversation is still on screen, statuses included");
        alice.awaitIncoming(duringReload);
        String after = "Back without logging in, and nothing was lost.";
        alice.awaitStatus(alice.send(after), "displayed");
        bob.awaitIncoming(after);
    }

    private static String label(Transport transport) {
        return transport == Transport.BOSH ? "BOSH" : "WebSocket";
    }

    /** The README's screenshot: what alice sees, at desktop width, and the whole page at phone width beside it. */
    private static void saveScreenshotsIfAsked(Transport transport, ChromiumTab alice) {
        String target = System.getProperty("portico.screenshot", "");
        if (target.isBlank() || transport != Transport.BOSH) {
            return;
        }
        Path desktop = Path.of(target);
        alice.screenshot(desktop, false);
        alice.resize(ChromiumTab.PHONE);
        alice.screenshot(desktop.resolveSibling(desktop.getFileName().toString().replaceFirst("\\.png$", "")
                + "-phone.png"), true);
        alice.resize(ChromiumTab.DESKTOP);
    }
}
