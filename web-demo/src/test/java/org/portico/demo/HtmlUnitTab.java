package org.portico.demo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URL;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.htmlunit.BrowserVersion;
import org.htmlunit.Page;
import org.htmlunit.ScriptException;
import org.htmlunit.WebClient;
import org.htmlunit.WebRequest;
import org.htmlunit.WebResponse;
import org.htmlunit.corejs.javascript.Undefined;
import org.htmlunit.html.HtmlElement;
import org.htmlunit.html.HtmlFileInput;
import org.htmlunit.html.HtmlInput;
import org.htmlunit.html.HtmlPage;
import org.htmlunit.javascript.SilentJavaScriptErrorListener;
import org.htmlunit.util.WebConnectionWrapper;

/**
 * A {@link DemoTab} in HtmlUnit. The page is loaded with {@code ?wait=1}: HtmlUnit runs asynchronous XHRs one at a
 * time, so a BOSH request held for a minute would stall every other request and timer of the page (HtmlUnit issues
 * #1140, #1142). WebSockets get the {@code xmpp} subprotocol through {@link XmppSubprotocolWebSockets}, whose events
 * take their turn with HtmlUnit's JavaScript jobs on the tab's {@link PageEventLoop}, as the test's scripts, clicks and
 * typing do. Loading a page does not: a test that leaves the page right after a script sent an asynchronous XHR must
 * not keep HtmlUnit from starting it, as a browser's request is on its way the moment {@code send()} returns.
 */
final class HtmlUnitTab extends DemoTab {

    static {
        PageEventLoop.install();
    }

    private final WebClient client = new WebClient(BrowserVersion.CHROME);
    private final PageEventLoop loop = PageEventLoop.of(client);
    private final List<String> scriptErrors = new CopyOnWriteArrayList<>();
    /** Which requests are cut off until this tab leaves its page, by body, or null. */
    private volatile Predicate<String> cutOff;
    private final AtomicInteger requestsCutOff = new AtomicInteger();

    /** A tab that will open {@code portico}'s demo page and log in over {@code transport}. */
    HtmlUnitTab(URI portico, Transport transport) {
        super(portico, "wait=1&transport=" + transport.pageValue);
        PageEventLoop.attach(client);
        client.getOptions().setThrowExceptionOnScriptError(false);
        client.getOptions().setThrowExceptionOnFailingStatusCode(false);
        client.setWebSocketAdapter(new XmppSubprotocolWebSockets("xmpp"));
        new WebConnectionWrapper(client) {
            @Override
            public WebResponse getResponse(WebRequest request) throws IOException {
                String body = request.getRequestBody();
                Predicate<String> which = cutOff;
                if (which != null && body != null && which.test(body)) {
                    requestsCutOff.incrementAndGet();
                    throw new IOException("cut off by the test: the request never reaches the server");
                }
                return super.getResponse(request);
            }
        };
        client.setJavaScriptErrorListener(new SilentJavaScriptErrorListener() {
            @Override
            public void scriptException(HtmlPage page, ScriptException e) {
                scriptErrors.add(withCauses(e));
            }

            @Override
            public void loadScriptError(HtmlPage page, URL url, Exception e) {
                scriptErrors.add("could not load " + url + ": " + e);
            }
        });
    }

    /**
     * The error's message and those of its causes: for a Java exception thrown into the page ("Exception invoking
     * send") only the causes say what failed.
     */
    private static String withCauses(Throwable error) {
        StringBuilder text = new StringBuilder(String.valueOf(error.getMessage()));
        for (Throwable cause = error.getCause(); cause != null && cause != cause.getCause(); cause = cause.getCause()) {
            text.append(" <- ").append(cause);
        }
        return text.toString();
    }

    private HtmlPage page() {
        Page page = client.getCurrentWindow().getEnclosedPage();
        if (page instanceof HtmlPage html) {
            return html;
        }
        throw new IllegalStateException("the tab shows " + page.getUrl() + ", not the demo page");
    }

    @Override
    void load(String url) {
        try {
            client.getPage(url);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            cutOff = null;
        }
    }

    /**
     * Until this tab next leaves its page, every request whose body {@code which} picks fails before it reaches the
     * server, as a browser cuts off a request still queued or on its way when the page unloads: what the page sent
     * in it (and in its retries) only the next page can send again.
     */
    void cutOffRequests(Predicate<String> which) {
        cutOff = which;
    }

    /** How many requests {@link #cutOffRequests} has cut off. */
    int requestsCutOff() {
        return requestsCutOff.get();
    }

    @Override
    void reload() {
        try {
            page().refresh();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    Object evaluate(String expression) {
        return loop.call(() -> evaluateOffTheLoop(expression));
    }

    /**
     * Runs a script without waiting for the tab's turn, beside whatever the page runs: only for a test of what two
     * scripts running at once do ({@link XmppSubprotocolWebSocketsTest}).
     */
    Object evaluateOffTheLoop(String expression) {
        Object result = page().executeJavaScript(expression).getJavaScriptResult();
        return Undefined.isUndefined(result) ? null : result instanceof CharSequence text ? text.toString() : result;
    }

    @Override
    void clickElement(String selector) {
        loop.run(() -> {
            try {
                page().<HtmlElement>querySelector(selector).click();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    @Override
    void typeInto(String selector, String text) {
        loop.run(() -> {
            try {
                page().<HtmlInput>querySelector(selector).type(text);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** HtmlUnit's file dialog: set the files, then fire the change event a browser fires. */
    @Override
    void chooseFile(String selector, Path file) {
        loop.run(() -> {
            HtmlFileInput input = page().querySelector(selector);
            input.setFiles(file.toFile());
            input.fireEvent("change");
        });
    }

    @Override
    void letThePageRun() {
        client.waitForBackgroundJavaScript(50);
    }

    @Override
    List<String> scriptErrors() {
        return List.copyOf(scriptErrors);
    }

    @Override
    public void close() {
        client.close();
    }
}
