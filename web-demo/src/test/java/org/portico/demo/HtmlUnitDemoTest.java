package org.portico.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.portico.testing.PorticoHarness;

/**
 * What every HtmlUnit test of the demo page shares: one in-process Portico in front of the local Prosody for the
 * class, tabs opened per test, and after each test every tab logged out and closed with a failure if the page threw
 * a JavaScript error.
 */
abstract class HtmlUnitDemoTest {

    static PorticoHarness portico;

    private final List<DemoTab> tabs = new ArrayList<>();

    @BeforeAll
    static void startPortico() throws Exception {
        portico = PorticoHarness.start();
    }

    @AfterAll
    static void stopPortico() throws Exception {
        if (portico != null) {
            portico.close();
        }
    }

    /** A new tab on the page, logged in as {@code user} over {@code transport}. */
    DemoTab loggedIn(Transport transport, String user) {
        return opened(transport).logIn(user);
    }

    /** A new tab on the page over {@code transport}, not logged in yet. */
    DemoTab opened(Transport transport) {
        DemoTab tab = new HtmlUnitTab(portico.uri("/"), transport);
        tabs.add(tab);
        return tab.open();
    }

    /** A text no earlier run has sent, so the archive, room history or PEP node cannot answer for this run. */
    static String unique(String text) {
        return text + " " + randomSuffix();
    }

    /** Eight random characters, for names (rooms, files) that must be new in this run. */
    static String randomSuffix() {
        return UUID.randomUUID().toString().substring(0, 8);
    }

    @AfterEach
    void closeTabsAndCheckTheyThrewNothing() {
        assertEquals(List.of(), DemoTab.logOutAndClose(tabs), "JavaScript errors on the page");
    }
}
