package org.portico.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.portico.http.Http2Config;
import org.portico.server.PorticoConfig;
import org.portico.testing.LocalProsody;
import org.portico.testing.PorticoHarness;
import org.portico.testing.TcpForwarder;
import org.portico.testing.TestCertificates;
import org.portico.testing.TestCertificates.Issued;
import org.portico.tls.TlsConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ten tabs of the demo page in one headless Chromium, each logged in over BOSH through Portico's HTTPS listener,
 * each sending a message to the next tab's user: the reason Portico speaks HTTP/2. A browser opens at most six
 * HTTP/1.1 connections to one host, and a BOSH tab keeps one busy with its held request (XEP-0124 §11: hold 1,
 * requests 2) and needs a second to send; the connections of the first tabs are all held, so the others' requests
 * wait inside the browser until a held one comes back. Over HTTP/2 (RFC 9113 §5: streams multiplexed on one
 * connection) every tab's requests are streams of one connection.
 *
 * <p>Both runs are the same: ten tabs, one run of {@link #RUN}, shorter than the BOSH wait the tabs ask for
 * ({@link #WAIT}) so no held request times out within it. What is asserted is what each tab did by the end of the run — loaded, logged in,
 * got its message — and the connections the browser opened, counted by a forwarder in front of Portico; how long
 * anything took is only logged.
 *
 * <p>The same browser over HTTP/2 also opens WebSocket tabs (RFC 8441) and reloads a page
 * ({@code docs/tls-http2.md} says what was found).
 */
class ManyTabsInOneBrowserTest {

    private static final Logger log = LoggerFactory.getLogger(ManyTabsInOneBrowserTest.class);
    private static final int TABS = 10;
    /** Chromium's limit of HTTP/1.1 connections per host (net::ClientSocketPoolManager, normal socket pool). */
    private static final int CONNECTIONS_PER_HOST = 6;
    /** Room for ten logins in one browser on a loaded 2-core machine (about 25 to 40 s there). */
    private static final Duration RUN = Duration.ofSeconds(75);
    /** The BOSH wait the tabs ask for and Portico grants: longer than the run. */
    private static final Duration WAIT = Duration.ofSeconds(120);

    @TempDir
    static Path certificates;

    @BeforeEach
    void chromiumAndTenAccounts() {
        ChromiumTab.assumeInstalled();
        LocalProsody.assumeRunning();
        assertTrue(LocalProsody.testUsers() >= TABS, "the local Prosody needs test1 … test" + TABS
                + " (PORTICO_TEST_USERS, default 10)");
    }

    /**
     * What one tab did by the end of the run, and when (milliseconds from the run's start, as first seen), so a
     * failed run tells a tab that stalled from a run whose observer was late.
     */
    private static final class Tab {
        final int index;
        final SharedChromium.Window window;
        final long started;
        long loadedAt = -1;
        long onlineAt = -1;
        long sentAt = -1;
        long receivedAt = -1;
        String protocol;
        String error;
        /** The page's last console entries, read at the end of an HTTP/2 run in which it did not get its message. */
        String lastSeen;

        Tab(int index, SharedChromium.Window window, long started) {
            this.index = index;
            this.window = window;
            this.started = started;
        }

        long now() {
            return Duration.ofNanos(System.nanoTime() - started).toMillis();
        }

        boolean loaded() {
            return loadedAt >= 0;
        }

        boolean online() {
            return onlineAt >= 0;
        }

        boolean sent() {
            return sentAt >= 0;
        }

        boolean received() {
            return receivedAt >= 0;
        }

        String user() {
            return user(index);
        }

        static String user(int index) {
            return "test" + (1 + (index + TABS) % TABS);
        }

        @Override
        public String toString() {
            return user() + (loaded() ? " loaded(" + protocol + ")@" + loadedAt : " not-loaded")
                    + (online() ? " online@" + onlineAt : "") + (sent() ? " sent@" + sentAt : "")
                    + (received() ? " received@" + receivedAt : "") + (error == null ? "" : " " + error)
                    + (lastSeen == null ? "" : " last seen: " + lastSeen);
        }
    }

    @Test
    void overHttp2EveryTabLogsInAndGetsItsMessageOnOneConnection() throws Exception {
        List<Tab> tabs = run(true);

        for (Tab tab : tabs) {
            assertTrue(tab.loaded() && tab.online() && tab.sent() && tab.received(),
                    "each tab's whole run: " + tabs);
            assertEquals("h2", tab.protocol, tab.toString());
        }
    }

    @Test
    void overHttp11TheTabsBeyondTheBrowsersSixConnectionsStallBehindTheHeldRequests() throws Exception {
        List<Tab> tabs = run(false);

        long done = tabs.stream().filter(Tab::received).count();
        assertTrue(done < TABS, "some tabs stall within the run: " + tabs);
        long online = tabs.stream().filter(Tab::online).count();
        assertTrue(online < TABS, "some tabs cannot even log in: " + tabs);
        for (Tab tab : tabs) {
            if (tab.loaded()) {
                assertEquals("http/1.1", tab.protocol, tab.toString());
            }
        }
    }

    private List<Tab> run(boolean http2) throws Exception {
        Issued certificate = TestCertificates.issue(certificates, "portico-" + (http2 ? "h2" : "h1"));
        TlsConfig tls = TlsConfig.builder().port(0).certificate(certificate.certificate())
                .privateKey(certificate.privateKey()).build();
        String word = UUID.randomUUID().toString().substring(0, 8);
        List<Tab> tabs = new ArrayList<>();
        try (PorticoHarness portico = start(tls, Http2Config.builder().tls(http2).build());
                TcpForwarder network = new TcpForwarder("127.0.0.1", portico.server().tlsPort());
                SharedChromium browser = new SharedChromium("--ignore-certificate-errors-spki-list="
                        + certificate.spkiSha256())) {
            URI page = URI.create("https://localhost:" + network.port() + "/");
            long started = System.nanoTime();
            for (int i = 0; i < TABS; i++) {
                tabs.add(new Tab(i, browser.open(page, "transport=" + Transport.BOSH.pageValue + "&wait="
                        + WAIT.toSeconds()), started));
            }
            long deadline = started + RUN.toNanos();
            long slowestRound = 0;
            while (System.nanoTime() - deadline < 0 && !tabs.stream().allMatch(Tab::received)) {
                long round = System.nanoTime();
                for (Tab tab : tabs) {
                    step(tab, word);
                }
                slowestRound = Math.max(slowestRound, System.nanoTime() - round);
                LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
            }
            for (Tab tab : tabs) {
                if (http2 && !tab.received()) {
                    tab.lastSeen = lastConsoleEntries(tab.window);
                }
            }
            int connections = network.accepted();
            int mostOpen = network.mostOpen();
            log.info("{} after {} ms (slowest look at all tabs {} ms): {} connections opened, at most {} at once; {}",
                    http2 ? "HTTP/2" : "HTTP/1.1", Duration.ofNanos(System.nanoTime() - started).toMillis(),
                    Duration.ofNanos(slowestRound).toMillis(), connections, mostOpen, tabs);
            if (http2) {
                // one connection carries the tabs; Chromium may open one more beside it (a preconnect, or a
                // request without credentials, which it keeps apart), never one per tab
                assertTrue(connections <= 2, "the tabs share one connection, not one each: " + connections);
            } else {
                assertTrue(mostOpen <= CONNECTIONS_PER_HOST, "never more than six at once: " + mostOpen);
            }
        }
        return tabs;
    }

    /**
     * WSS over HTTP/2 (RFC 8441): Chromium opens the page's WebSockets as extended CONNECT streams of the
     * connection it already has (Portico sends SETTINGS_ENABLE_CONNECT_PROTOCOL, {@code http2.websocket}), so two
     * tabs chatting over WebSocket open no connection beyond the page's; with it off, each socket is an HTTP/1.1
     * connection of its own.
     */
    @ParameterizedTest(name = "http2.websocket={0}")
    @ValueSource(booleans = {true, false})
    void webSocketTabsRideThePagesHttp2ConnectionWhenPorticoOffersExtendedConnect(boolean rfc8441)
            throws Exception {
        Issued certificate = TestCertificates.issue(certificates, "portico-ws-" + rfc8441);
        TlsConfig tls = TlsConfig.builder().port(0).certificate(certificate.certificate())
                .privateKey(certificate.privateKey()).build();
        try (PorticoHarness portico = start(tls, Http2Config.builder().websocket(rfc8441).build());
                TcpForwarder network = new TcpForwarder("127.0.0.1", portico.server().tlsPort());
                SharedChromium browser = new SharedChromium("--ignore-certificate-errors-spki-list="
                        + certificate.spkiSha256())) {
            URI page = URI.create("https://localhost:" + network.port() + "/");
            String query = "transport=" + Transport.WEBSOCKET.pageValue;
            SharedChromium.Window alice = browser.open(page, query);
            SharedChromium.Window bob = browser.open(page, query);
            alice.awaitAttribute("body", "data-ready", "true");
            bob.awaitAttribute("body", "data-ready", "true");
            int pageConnections = network.accepted();

            alice.logIn("alice");
            bob.logIn("bob");
            DemoTab.openConversation(alice, bob);
            String text = "over wss " + UUID.randomUUID();
            alice.awaitStatus(alice.send(text), "displayed");
            bob.awaitIncoming(text);

            int connections = network.accepted();
            log.info("WebSocket, http2.websocket={}: {} connections for the pages, {} after two sockets", rfc8441,
                    pageConnections, connections);
            assertEquals("wss://localhost:" + network.port() + "/xmpp-websocket",
                    alice.evaluate("porticoDemo.client.transport.url"));
            if (rfc8441) {
                assertEquals(pageConnections, connections, "the sockets are streams of the page's connection");
            } else {
                assertEquals(pageConnections + 2, connections, "one HTTP/1.1 connection per socket");
            }
        }
    }

    /**
     * A reload over HTTP/2 keeps the session and the message sent during it, as over HTTP/1.1
     * ({@code DemoPageInChromiumTest}): the unloading page's held request is not a connection that closes but a
     * stream the browser resets (RFC 9113 §6.4, RST_STREAM), which Portico notices the same way, so what arrives
     * next waits for the reloaded page (BOSH pause, XEP-0124 §10) or its resumed socket (docs/websocket-resume.md).
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(Transport.class)
    void aReloadOverHttp2KeepsTheSessionAndTheMessageSentDuringIt(Transport transport) throws Exception {
        Issued certificate = TestCertificates.issue(certificates, "portico-reload-" + transport.pageValue);
        TlsConfig tls = TlsConfig.builder().port(0).certificate(certificate.certificate())
                .privateKey(certificate.privateKey()).build();
        try (PorticoHarness portico = start(tls, Http2Config.DEFAULT);
                SharedChromium browser = new SharedChromium("--ignore-certificate-errors-spki-list="
                        + certificate.spkiSha256())) {
            URI page = URI.create("https://localhost:" + portico.server().tlsPort() + "/");
            String query = "transport=" + transport.pageValue;
            SharedChromium.Window alice = browser.open(page, query);
            SharedChromium.Window bob = browser.open(page, query);
            alice.awaitAttribute("body", "data-ready", "true");
            bob.awaitAttribute("body", "data-ready", "true");
            alice.logIn("alice");
            bob.logIn("bob");
            assertEquals("h2", alice.evaluate("performance.getEntriesByType('navigation')[0].nextHopProtocol"));
            DemoTab.openConversation(alice, bob);
            String word = UUID.randomUUID().toString().substring(0, 8);
            alice.awaitStatus(alice.send("before the reload " + word), "displayed");

            String duringReload = "sent while the page reloaded over h2 " + word;
            bob.evaluate("(function () { porticoDemo.chat.send(" + DemoTab.js(duringReload) + "); return null; }())");
            alice.evaluate("(function () { window.porticoOldPage = true; return null; }())");
            alice.reload();
            alice.await("the reloaded page to settle", () -> (Boolean) alice.evaluate("window.porticoOldPage"
                    + " === undefined && document.body !== null && document.body.getAttribute('data-ready') === 'true'"));

            alice.awaitAttribute("body", "data-connection", "online");
            assertEquals("true", alice.attribute("#resume-info", "data-resumed"), alice.text("#resume-info"));
            assertEquals("0", alice.attribute("#resume-info", "data-lost"), alice.text("#resume-info"));
            alice.awaitIncoming(duringReload);
            String after = "back over h2 " + word;
            alice.awaitStatus(alice.send(after), "displayed");
            bob.awaitIncoming(after);
        }
    }

    /** Portico with an HTTPS listener and these HTTP/2 settings, granting the tabs' {@link #WAIT}. */
    private static PorticoHarness start(TlsConfig tls, Http2Config http2) throws Exception {
        return PorticoHarness.start(config -> new PorticoConfig(
                config.http().toBuilder().idleTimeout(WAIT.plusSeconds(30)).build(),
                config.bosh().toBuilder().maxWait(WAIT).build(), config.upstream(), config.xml(), config.store(),
                config.websocket(), config.client(), tls, http2, config.admin()));
    }

    /**
     * Moves one tab on as far as it can go now, without waiting: load → log in → send → receive. Each step is marked
     * done only once it went through, so a step that failed while the page was busy is tried again next round.
     */
    private static void step(Tab tab, String word) {
        DemoTab page = tab.window;
        try {
            if (!tab.loaded()) {
                if (!"true".equals(page.attribute("body", "data-ready"))) {
                    return;
                }
                tab.protocol = (String) page.evaluate("performance.getEntriesByType('navigation')[0]"
                        + ".nextHopProtocol");
                page.setValue("#jid", DemoTab.jid(tab.user()));
                page.setValue("#password", LocalProsody.password(tab.user()));
                page.clickElement("#login");
                tab.loadedAt = tab.now();
            }
            if (!tab.online()) {
                if ("true".equals(page.attribute("#error", "data-shown"))) {
                    tab.error = page.text("#error-text");
                }
                if (!page.isOnline()) {
                    return;
                }
                tab.onlineAt = tab.now();
            }
            if (!tab.sent()) {
                page.evaluate("(function () { porticoDemo.selectContact(" + DemoTab.js(DemoTab.jid(
                        Tab.user(tab.index + 1))) + "); porticoDemo.chat.send(" + DemoTab.js(text(tab.index, word))
                        + "); return null; }())");
                tab.sentAt = tab.now();
            }
            if (!tab.received() && Boolean.TRUE.equals(page.evaluate("Array.prototype.some.call("
                    + "document.querySelectorAll('#console-log .console-entry[data-direction=in]'), function (e) {"
                    + " return e.textContent.indexOf(" + DemoTab.js(text(tab.index - 1, word)) + ") >= 0; })"))) {
                tab.receivedAt = tab.now();
            }
        } catch (RuntimeException e) {
            // the page is still loading or changing what it shows; the next round looks again
        }
    }

    /** The last few entries of a page's XML console, each cut short: what the page saw last. */
    private static String lastConsoleEntries(DemoTab page) {
        try {
            return String.valueOf(page.evaluate("Array.prototype.slice.call(document.querySelectorAll("
                    + "'#console-log .console-entry'), -6).map(function (e) {"
                    + " return e.textContent.replace(/\\s+/g, ' ').slice(0, 300); }).join(' | ')"));
        } catch (RuntimeException e) {
            return "(the page could not be read: " + e.getMessage() + ")";
        }
    }

    private static String text(int from, String word) {
        return "hello from " + Tab.user(from) + " to " + Tab.user(from + 1) + " " + word;
    }
}
