package org.portico.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.portico.server.PorticoConfig;
import org.portico.store.StoreConfig;
import org.portico.testing.BoshTestClient;
import org.portico.testing.LocalProsody;
import org.portico.testing.PorticoHarness;
import org.portico.xml.XmlElement;

/**
 * Idle BOSH sessions do not die. Each of many logged-in sessions keeps one long-poll held for the whole {@code wait}
 * and polls again on the same keep-alive connection when it returns, as browsers do, through several wait periods.
 * The wait is longer than Jetty's default connector idle timeout (30 s): with that timeout a silent connection
 * idled out under its held request (an HTTP 500, or a connection closed without an answer); {@code http.idleTimeout}
 * now outlasts {@code bosh.maxWait} (XEP-0124 §7.1: the CM holds a request for up to {@code wait}).
 */
class BoshIdleSessionsEndToEndTest {

    private static final int SESSIONS = 1000;
    private static final int WAIT_SECONDS = 35;
    private static final int WAIT_PERIODS = 3;
    private static final int CONCURRENT_LOGINS = 16;

    @Test
    void aThousandIdleSessionsLongPollingThroughSeveralWaitPeriodsAllSurvive() throws Exception {
        try (PorticoHarness portico = PorticoHarness.start(BoshIdleSessionsEndToEndTest::manySessions);
                HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
                ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            Semaphore logins = new Semaphore(CONCURRENT_LOGINS);
            AtomicInteger polls = new AtomicInteger();
            Map<String, Integer> failures = new ConcurrentHashMap<>();
            List<Future<?>> sessions = new ArrayList<>();
            for (int i = 0; i < SESSIONS; i++) {
                String user = "test" + (1 + i % LocalProsody.testUsers());
                String resource = "idle-" + i;
                sessions.add(threads.submit(() -> {
                    BoshTestClient client = BoshTestClient.shared(portico.boshUri(), LocalProsody.DOMAIN, http,
                            WAIT_SECONDS);
                    logins.acquire();
                    try {
                        client.login(user, LocalProsody.password(user), resource, false);
                    } finally {
                        logins.release();
                    }
                    for (int period = 0; period < WAIT_PERIODS; period++) {
                        String outcome = poll(http, portico, client);
                        if (outcome != null) {
                            failures.merge(outcome, 1, Integer::sum);
                            return null;
                        }
                        polls.incrementAndGet();
                    }
                    if (portico.server().store().get(client.sid()).isEmpty()) {
                        failures.merge("gone from the store after its polls", 1, Integer::sum);
                    }
                    return null;
                }));
            }
            for (Future<?> session : sessions) {
                session.get();
            }

            assertEquals(Map.of(), failures, "sessions lost, by what ended them");
            // each session is checked right after its own last poll: one that finished early may idle out
            // (bosh.inactivity) while later ones, slower to log in on a loaded machine, are still polling
            assertEquals(SESSIONS * WAIT_PERIODS, polls.get(), "every held poll came back as an empty body");
        }
    }

    /** Portico room for the sessions, and a wait above Jetty's default idle timeout. */
    private static PorticoConfig manySessions(PorticoConfig config) {
        Duration wait = Duration.ofSeconds(WAIT_SECONDS);
        return new PorticoConfig(config.http().toBuilder().maxConnections(SESSIONS + 100)
                .idleTimeout(wait.plusSeconds(10)).build(), config.bosh().toBuilder().maxWait(wait).build(), config.upstream(),
                config.xml(), new StoreConfig(SESSIONS + 100), config.websocket());
    }

    /** One long-poll; null when it was held and came back as an ordinary empty body, else what went wrong. */
    private static String poll(HttpClient http, PorticoHarness portico, BoshTestClient client) {
        HttpRequest request = HttpRequest.newBuilder(portico.boshUri())
                .timeout(Duration.ofSeconds(WAIT_SECONDS + 30))
                .header("Content-Type", "text/xml; charset=utf-8")
                .POST(HttpRequest.BodyPublishers.ofString(client.body(client.nextRid(), "", ""))).build();
        try {
            HttpResponse<String> response = http.send(request,
                    HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            if (response.statusCode() != 200) {
                return "HTTP " + response.statusCode();
            }
            XmlElement body = BoshTestClient.parse(response.body());
            return body.attribute("type").map(type -> type + " " + body.attribute("condition").orElse(""))
                    .orElse(null);
        } catch (Exception e) {
            return e.getClass().getSimpleName();
        }
    }
}
