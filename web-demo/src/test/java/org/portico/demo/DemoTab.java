package org.portico.demo;

import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.opentest4j.AssertionFailedError;
import org.portico.testing.LocalProsody;

/**
 * One person's browser tab on the demo page: it opens the page, clicks and types through the page's own controls
 * and reads what the page shows through its test hooks ({@code web-demo/README.md}, "Hooks"). Everything a test does
 * with the page is written here once; {@link HtmlUnitTab} and {@link ChromiumTab} supply the few browser
 * primitives: load a URL, run a script, click, type, and let the page run between two checks.
 *
 * <p>Reads go through small scripts, so both browsers read the live DOM the same way. Every wait is a bounded
 * {@link Wait}.
 */
abstract class DemoTab implements AutoCloseable {

    /** The statuses of an outgoing message the server has (web-demo/README.md, "Hooks"). */
    private static final List<String> SERVER_HAS = List.of("acked", "delivered", "displayed");
    /** Chat messages of this session, not loaded from the archive (XEP-0313). */
    private static final String LIVE = "#messages .message:not([data-archived=true])";

    private final URI pageUrl;
    private String user;

    /**
     * @param portico where Portico serves the page
     * @param query   the page's query string: transport, BOSH wait
     */
    DemoTab(URI portico, String query) {
        this.pageUrl = portico.resolve("/?" + query);
    }

    /** The page's address, with its query. */
    String pageUrl() {
        return pageUrl.toString();
    }

    /* ---------- browser primitives ---------- */

    abstract void load(String url);

    /** Reloads the page as the browser's reload button does. */
    abstract void reload();

    /** Evaluates a JavaScript expression in the page; strings, booleans and null come back as such. */
    abstract Object evaluate(String expression);

    /** Clicks the element as a person would (mouse events, default actions). */
    abstract void clickElement(String selector);

    /** Types into the focused field key by key, so the page gets its input events. */
    abstract void typeInto(String selector, String text);

    /** Chooses a file in a file input as a person would in the file dialog, so the page gets its change event. */
    abstract void chooseFile(String selector, Path file);

    /** Lets the page work for a moment between two checks of a condition. */
    abstract void letThePageRun();

    /** JavaScript errors the page reported since the tab opened. */
    abstract List<String> scriptErrors();

    /** Closes the browser (or HtmlUnit's window) and everything it holds open. */
    @Override
    public abstract void close();

    /* ---------- the page's life ---------- */

    /** Loads the page and waits until its scripts have settled (endpoints known, any resume attempt over). */
    DemoTab open() {
        load(pageUrl.toString());
        awaitAttribute("body", "data-ready", "true");
        return this;
    }

    /** Logs in as one of the demo users through the "quick user" link, which fills the JID and password. */
    DemoTab logIn(String name) {
        startLogIn(name);
        return awaitLoggedIn();
    }

    /**
     * Logs in as {@code name} with the conversation with {@code contact} opened while the login is still under way,
     * as someone does who picks a contact before the page is online: the page reads that conversation's history
     * as soon as it can.
     */
    DemoTab logInWithConversationOpen(String name, String contact) {
        startLogIn(name);
        Object online = evaluate("(function () { porticoDemo.selectContact(" + js(jid(contact))
                + "); return porticoDemo.online; }())");
        if (!Boolean.FALSE.equals(online)) {
            throw new AssertionFailedError(name + " was online before the conversation opened");
        }
        return awaitLoggedIn();
    }

    private void startLogIn(String name) {
        this.user = name;
        click("[data-testid=quick-" + name + "]");
        click("#login");
    }

    private DemoTab awaitLoggedIn() {
        await("online, or an error", () -> isOnline() || "true".equals(attribute("#error", "data-shown")));
        if (!isOnline()) {
            throw new AssertionFailedError(user + " could not log in: " + summary());
        }
        return this;
    }

    boolean isOnline() {
        return "online".equals(attribute("body", "data-connection"));
    }

    void logOut() {
        click("#logout");
        await("the login form after logging out", () -> !hasAttribute("#login-form", "hidden") && !isOnline());
    }

    /**
     * The first half of a reload with time in between: the page unloads (it saves the session and, over BOSH,
     * pauses it) and the tab shows nothing. Whatever happens before {@link #comeBack()} happens while the page is
     * gone.
     */
    void leave() {
        load("about:blank");
    }

    /** The second half: the page loads again in the same tab (same sessionStorage) and resumes. */
    void comeBack() {
        open();
    }

    /** Reloads the page and waits until it has settled again. */
    void reloadAndSettle() {
        reload();
        awaitAttribute("body", "data-ready", "true");
    }

    /* ---------- chat ---------- */

    /**
     * Waits until this tab shows both people online to each other, then opens the conversation on both sides. A
     * chat message to a bare JID that reaches the server before the other's initial presence is stored offline
     * (RFC 6121 §8.5.2.2.1), so a test starts talking only once each sees the other available, as a person would.
     */
    static void openConversation(DemoTab one, DemoTab other) {
        one.awaitOnline(other.user);
        other.awaitOnline(one.user);
        one.openChat(other.user);
        other.openChat(one.user);
    }

    /** Waits until the roster shows the contact available. */
    void awaitOnline(String contact) {
        awaitAttribute("#roster li[data-jid='" + jid(contact) + "']", "data-presence", "available");
    }

    /** Opens the conversation with a contact by clicking it in the roster. */
    void openChat(String contact) {
        String jid = jid(contact);
        click("#roster li[data-jid='" + jid + "']");
        awaitAttribute("#chat-with", "data-jid", jid);
    }

    /** Types into the message field without sending. */
    void type(String text) {
        typeInto("#chat-input", text);
    }

    /** Types a message, sends it with the Send button, and returns the id the page gave it ({@code data-id}). */
    String send(String text) {
        type(text);
        click("#send");
        return awaitMessageId(LIVE + "[data-direction=out]", text);
    }

    /**
     * Waits for a message from the other side, received live (not loaded from the archive), whose text contains
     * {@code text}; returns its id.
     */
    String awaitIncoming(String text) {
        return awaitMessageId(LIVE + "[data-direction=in]", text);
    }

    /**
     * Waits until the conversation shows a message, live or from the archive, in either direction, containing
     * {@code text}; returns its id.
     */
    String awaitMessage(String text) {
        return awaitMessageId("#messages .message", text);
    }

    private String awaitMessageId(String selector, String text) {
        await("a message '" + text + "' (" + selector + ")", () -> messageId(selector, text) != null);
        return messageId(selector, text);
    }

    private String messageId(String selector, String text) {
        return (String) evaluate("(function () { var all = document.querySelectorAll(" + js(selector) + ");"
                + " for (var i = 0; i < all.length; i++) { if (all[i].textContent.indexOf(" + js(text) + ") >= 0)"
                + " { return all[i].getAttribute('data-id'); } } return null; }())");
    }

    /** An attribute of the chat message with this id. */
    String message(String id, String attribute) {
        return attribute(messageSelector(id), attribute);
    }

    void awaitStatus(String messageId, String status) {
        awaitAttribute(messageSelector(messageId), "data-status", status);
    }

    /**
     * Waits until the server has a message this tab sent: its status is {@code acked} (XEP-0198) or beyond. A
     * receipt may turn it into {@code delivered} at once, so waiting for exactly {@code acked} could miss it.
     */
    void awaitServerHas(String messageId) {
        await(messageSelector(messageId) + " acked or beyond",
                () -> SERVER_HAS.contains(message(messageId, "data-status")));
    }

    private static String messageSelector(String id) {
        return "#messages .message[data-id='" + id + "']";
    }

    /** Starts recording every status the chat's messages go through ({@link PageScripts}). */
    void recordMessageStatuses() {
        evaluate(PageScripts.RECORD_MESSAGE_STATUSES);
    }

    /** Whether the XML console shows an element received that names {@code namespace} and {@code id}. */
    boolean receivedInConsole(String namespace, String id) {
        return (Boolean) evaluate("(function () {"
                + " var inn = document.querySelectorAll('#console-log .console-entry[data-direction=in]');"
                + " for (var i = 0; i < inn.length; i++) {"
                + "   var t = inn[i].textContent;"
                + "   if (t.indexOf('" + namespace + "') >= 0 && t.indexOf('" + id + "') >= 0) { return true; } }"
                + " return false; }())");
    }

    /** Waits until the XML console shows {@code text} going out: the page has put it in a request (or frame). */
    void awaitSentInConsole(String text) {
        await("'" + text + "' going out in the XML console", () -> (Boolean) evaluate("(function () {"
                + " var out = document.querySelectorAll('#console-log .console-entry[data-direction=out]');"
                + " for (var i = 0; i < out.length; i++) {"
                + "   if (out[i].textContent.indexOf(" + js(text) + ") >= 0) { return true; } }"
                + " return false; }())"));
    }

    /** The statuses recorded for one message, in order, separated by spaces. */
    String recordedStatuses(String messageId) {
        return (String) evaluate(PageScripts.recordedStatuses(messageId));
    }

    /**
     * Waits until the server has confirmed this tab's request for carbons (XEP-0280 §4), which the page sends when
     * it comes online: the XML console shows the {@code <enable/>} IQ going out and a result with its id coming in.
     */
    void awaitCarbonsEnabled() {
        await("the carbons <enable/> answered", () -> (Boolean) evaluate("(function () {"
                + " var out = document.querySelectorAll('#console-log .console-entry[data-direction=out]');"
                + " var id = null;"
                + " for (var i = 0; i < out.length && !id; i++) {"
                + "   var m = /<iq\\b[^>]*\\bid=['\"]([^'\"]+)['\"][^>]*>\\s*<enable xmlns=['\"]urn:xmpp:carbons:2/"
                + "     .exec(out[i].textContent);"
                + "   if (m) { id = m[1]; } }"
                + " if (!id) { return false; }"
                + " var inn = document.querySelectorAll('#console-log .console-entry[data-direction=in]');"
                + " for (var j = 0; j < inn.length; j++) { var t = inn[j].textContent;"
                + "   if ((t.indexOf(\"id='\" + id + \"'\") >= 0 || t.indexOf('id=\"' + id + '\"') >= 0)"
                + "       && /type=['\"]result/.test(t)) { return true; } }"
                + " return false; }())"));
    }

    /* ---------- contacts ---------- */

    /** The roster entry of a contact. */
    static String rosterEntry(String contact) {
        return "#roster li[data-jid='" + jid(contact) + "']";
    }

    /** Blocks a contact with the Block button of its conversation (XEP-0191 §3.3); waits for the roster to say so. */
    void block(String contact) {
        openChat(contact);
        click("#block");
        awaitAttribute(rosterEntry(contact), "data-blocked", "true");
    }

    /** Unblocks a contact with the Unblock button of its conversation (XEP-0191 §3.4). */
    void unblock(String contact) {
        openChat(contact);
        click("#unblock");
        awaitAttribute(rosterEntry(contact), "data-blocked", "false");
    }

    /* ---------- file sharing ---------- */

    /** Sends a file to the open conversation by choosing it in {@code #upload-input} (XEP-0363). */
    void upload(Path file) {
        await("#upload-input to be enabled",
                () -> exists("#upload-input") && !hasAttribute("#upload-input", "disabled"));
        chooseFile("#upload-input", file);
    }

    /* ---------- feed ---------- */

    /** Publishes a post with the feed's form (XEP-0060 publish to PEP, XEP-0163). */
    void publish(String text) {
        setValue("#feed-input", text);
        click("#feed-publish");
    }

    /** Whether the feed shows a post by {@code publisher} containing {@code text}. */
    boolean feedShows(String publisher, String text) {
        return (Boolean) evaluate("Array.prototype.some.call(document.querySelectorAll("
                + js("#feed li[data-publisher='" + jid(publisher) + "']") + "), function (li) {"
                + " return li.textContent.indexOf(" + js(text) + ") >= 0; })");
    }

    /* ---------- group chat ---------- */

    void joinRoom(String room) {
        setValue("#room", room);
        click("#room-join");
        awaitAttribute("#room-status", "data-joined", "true");
    }

    void sayInRoom(String text) {
        setValue("#room-input", text);
        click("#room-send");
    }

    boolean roomMessage(String nick, String text) {
        return (Boolean) evaluate("Array.prototype.some.call(document.querySelectorAll("
                + js("#room-messages .room-message[data-from='" + nick + "']") + "), function (li) {"
                + " return li.textContent.indexOf(" + js(text) + ") >= 0; })");
    }

    /* ---------- reading the page ---------- */

    /** The attribute's value, or null when the element or the attribute is missing. */
    String attribute(String selector, String name) {
        return (String) evaluate("(function () { var e = document.querySelector(" + js(selector) + ");"
                + " return e && e.hasAttribute(" + js(name) + ") ? e.getAttribute(" + js(name) + ") : null; }())");
    }

    boolean hasAttribute(String selector, String name) {
        return attribute(selector, name) != null;
    }

    /** The element's text, trimmed, or null when there is no such element. */
    String text(String selector) {
        return (String) evaluate("(function () { var e = document.querySelector(" + js(selector) + ");"
                + " return e ? e.textContent.trim() : null; }())");
    }

    boolean exists(String selector) {
        return (Boolean) evaluate("document.querySelector(" + js(selector) + ") !== null");
    }

    int count(String selector) {
        return ((Number) evaluate("document.querySelectorAll(" + js(selector) + ").length")).intValue();
    }

    /* ---------- acting ---------- */

    /** Clicks the element once the page has enabled it. */
    void click(String selector) {
        await(selector + " to be enabled", () -> exists(selector) && !hasAttribute(selector, "disabled"));
        clickElement(selector);
    }

    /** Sets a field's value directly, for fields whose every keystroke does not matter. */
    void setValue(String selector, String value) {
        await(selector + " to be enabled", () -> exists(selector) && !hasAttribute(selector, "disabled"));
        evaluate("(function () { document.querySelector(" + js(selector) + ").value = " + js(value)
                + "; return null; }())");
    }

    void awaitAttribute(String selector, String name, String value) {
        await(selector + "[" + name + "=" + value + "]", () -> value.equals(attribute(selector, name)));
    }

    void await(String what, BooleanSupplier condition) {
        Wait.until(what + " in " + this, condition, this::letThePageRun, this::summary);
    }

    /** What a failure message needs: connection state, error banner, resume line, script errors. */
    String summary() {
        return "connection=" + attribute("body", "data-connection") + " status='" + text("#connection-status")
                + "' error='" + text("#error-text") + "' resume='" + text("#resume-info") + "' scriptErrors="
                + scriptErrors();
    }

    /**
     * The end of a test: logs out every tab still online (so no session lingers into the next test), closes them
     * all whatever happens, and returns the script errors they saw. A failure to log out is thrown after all are
     * closed.
     */
    static List<String> logOutAndClose(List<? extends DemoTab> tabs) {
        List<String> errors = new ArrayList<>();
        RuntimeException failure = null;
        for (DemoTab tab : tabs) {
            try {
                errors.addAll(tab.scriptErrors());
                if (tab.isOnline()) {
                    tab.logOut();
                }
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            } finally {
                tab.close();
            }
        }
        if (failure != null) {
            throw failure;
        }
        return errors;
    }

    static String jid(String name) {
        return name + "@" + LocalProsody.DOMAIN;
    }

    /** A JavaScript string literal for {@code text}. */
    static String js(String text) {
        StringBuilder out = new StringBuilder("'");
        for (char c : text.toCharArray()) {
            switch (c) {
                case '\'', '\\' -> out.append('\\').append(c);
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                default -> {
                    if (c < 0x20 || c == '\u2028' || c == '\u2029') {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('\'').toString();
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + (user == null ? "nobody" : user) + " " + pageUrl + "]";
    }
}
