package org.portico.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
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
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.portico.client.ClientConfig;
import org.portico.server.PorticoConfig;
import org.portico.store.StoreConfig;
import org.portico.testing.LocalProsody;
import org.portico.testing.PorticoHarness;
import org.portico.testing.UpstreamThreads;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A storm of BOSH session creations (issue 12, item 4): 10,000 in a burst from 20 client addresses. The global cap
 * ({@code store.maxSessions}) and the caps per address ({@code client.*}) hold, every refused creation gets the
 * spec's terminal condition (XEP-0124 §17.2: {@code policy-violation} for a client over its limits,
 * {@code internal-server-error} when the server is full, {@code remote-connection-failed} for the few whose XMPP
 * server did not answer in time under the storm), and once the sessions have ended, the upstream threads
 * are gone and the heap after a full collection is back near where it started: nothing leaks.
 */
class SessionStormEndToEndTest {

    private static final Logger log = LoggerFactory.getLogger(SessionStormEndToEndTest.class);
    private static final int CREATIONS = 10_000;
    private static final int ADDRESSES = 20;
    private static final int MAX_SESSIONS = 250;
    private static final int PER_ADDRESS = 15;
    private static final int CONCURRENT = 200;
    private static final Pattern SID = Pattern.compile("sid=[\"']([^\"']+)[\"']");
    private static final Pattern CONDITION = Pattern.compile("condition=[\"']([^\"']+)[\"']");

    @Test
    void tenThousandCreationsInABurstMeetTheCapsWithTheSpecsErrorsAndLeaveNothingBehind() throws Exception {
        try (PorticoHarness portico = PorticoHarness.start(SessionStormEndToEndTest::capped);
                ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            long heapBefore = heapAfterGc();
            Map<String, AtomicLong> outcomes = new ConcurrentHashMap<>();
            List<String[]> created = java.util.Collections.synchronizedList(new ArrayList<>());
            Semaphore inFlight = new Semaphore(CONCURRENT);
            // the caps bound the sessions alive at once; sessions that end (here after 2 s idle) make room again
            AtomicLong mostLive = new AtomicLong();
            AtomicLong mostPerAddress = new AtomicLong();
            AtomicBoolean storming = new AtomicBoolean(true);
            Future<?> sampler = threads.submit(() -> {
                while (storming.get()) {
                    mostLive.accumulateAndGet(portico.server().store().size(), Math::max);
                    for (int a = 0; a < ADDRESSES; a++) {
                        mostPerAddress.accumulateAndGet(portico.server().addressLimits()
                                .sessions("127.0.0." + (2 + a)), Math::max);
                    }
                    Thread.sleep(5);
                }
                return null;
            });
            List<Future<?>> requests = new ArrayList<>();
            try {
                for (int i = 0; i < CREATIONS; i++) {
                    String address = "127.0.0." + (2 + i % ADDRESSES);
                    long rid = 1000L + i;
                    inFlight.acquire();
                    requests.add(threads.submit(() -> {
                        try {
                            String answer = post(portico.port(), address, "<body xmlns='http://jabber.org/protocol/"
                                    + "httpbind' rid='" + rid + "' to='" + LocalProsody.DOMAIN + "' wait='5' hold='1' "
                                    + "ver='1.11' xml:lang='en'/>");
                            Matcher sid = SID.matcher(answer);
                            Matcher condition = CONDITION.matcher(answer);
                            String outcome = sid.find() ? "created" : condition.find() ? condition.group(1)
                                    : "unexpected: " + answer;
                            outcomes.computeIfAbsent(outcome, key -> new AtomicLong()).incrementAndGet();
                            if (sid.reset().find()) {
                                created.add(new String[] {address, sid.group(1), Long.toString(rid)});
                            }
                        } catch (IOException e) {
                            // refused or reset at the TCP level while Portico is at http.maxConnections: counted
                            outcomes.computeIfAbsent("connection failed", key -> new AtomicLong()).incrementAndGet();
                        } finally {
                            inFlight.release();
                        }
                        return null;
                    }));
                }
                for (Future<?> request : requests) {
                    request.get();
                }
            } finally {
                storming.set(false); // the sampler stops whatever happened above
            }
            sampler.get();
            log.info("{} creations from {} addresses: {}; at most {} sessions live at once, {} from one address",
                    CREATIONS, ADDRESSES, outcomes, mostLive, mostPerAddress);

            long refusedForPolicy = count(outcomes, "policy-violation");
            long refusedFull = count(outcomes, "internal-server-error");
            // a server that could not be reached in time under the storm is the spec's remote-connection-failed
            long unreachable = count(outcomes, "remote-connection-failed");
            long notConnected = count(outcomes, "connection failed");
            assertTrue(notConnected < CREATIONS / 100, "few refused at the TCP level: " + outcomes);
            assertEquals(CREATIONS, count(outcomes, "created") + refusedForPolicy + refusedFull + unreachable
                    + notConnected,
                    "every creation answered with a session or the spec's condition: " + outcomes);
            assertTrue(mostLive.get() <= MAX_SESSIONS, "the global cap held: at most " + mostLive + " live");
            assertTrue(mostPerAddress.get() <= PER_ADDRESS, "the cap per address held: at most " + mostPerAddress);
            assertTrue(refusedForPolicy > 0 && refusedFull > 0, "both caps refused some: " + outcomes);

            for (String[] session : created) {
                post(portico.port(), session[0], "<body xmlns='http://jabber.org/protocol/httpbind' sid='"
                        + session[1] + "' rid='" + (Long.parseLong(session[2]) + 1) + "' type='terminate'/>");
            }
            awaitEmpty(portico);
            assertEquals(0, UpstreamThreads.awaitNone(Duration.ofSeconds(10)), "no upstream reader or writer thread left");
            long heapAfter = heapAfterGc();
            log.info("heap after a full collection: {} MB before the storm, {} MB after", heapBefore >> 20,
                    heapAfter >> 20);
            assertTrue(heapAfter < heapBefore + (32L << 20), "heap back near its level before the storm: "
                    + (heapBefore >> 20) + " MB before, " + (heapAfter >> 20) + " MB after");
        }
    }

    private static PorticoConfig capped(PorticoConfig config) {
        return new PorticoConfig(config.http().toBuilder().maxConnections(CONCURRENT * 2).build(),
                config.bosh().toBuilder().inactivity(Duration.ofSeconds(2)).build(), config.upstream(), config.xml(),
                new StoreConfig(MAX_SESSIONS), config.websocket())
                .withClient(ClientConfig.builder().maxSessionsPerAddress(PER_ADDRESS).newSessionsPerSecond(50)
                        .newSessionsBurst(PER_ADDRESS * 2).build());
    }

    private static long count(Map<String, AtomicLong> outcomes, String outcome) {
        AtomicLong count = outcomes.get(outcome);
        return count == null ? 0 : count.get();
    }

    /** One BOSH request on its own connection from {@code address}; the whole answer, headers included. */
    private static String post(int port, String address, String body) throws IOException {
        try (Socket socket = new Socket()) {
            socket.bind(new InetSocketAddress(InetAddress.getByName(address), 0));
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 10_000);
            socket.setSoTimeout(60_000);
            byte[] content = body.getBytes(StandardCharsets.UTF_8);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /http-bind HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/xml; charset=utf-8\r\n"
                    + "Content-Length: " + content.length + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            out.write(content);
            out.flush();
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** Ended sessions stay as tombstones for bosh.inactivity (2 s here) to answer late requests, then go. */
    private static void awaitEmpty(PorticoHarness portico) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (portico.server().store().size() > 0 && System.nanoTime() < deadline) {
            portico.server().store().cleanUp();
            Thread.sleep(100); // the store's own expiry, polled, bounded
        }
        assertEquals(0, portico.server().store().size(), "every session gone from the store");
    }

    private static long heapAfterGc() {
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
