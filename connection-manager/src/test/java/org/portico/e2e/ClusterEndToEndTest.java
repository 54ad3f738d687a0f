package org.portico.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.portico.testing.AdminClient;
import org.portico.testing.ClusterPorts;
import org.portico.testing.LocalHaproxy;
import org.portico.testing.LocalProsody;
import org.portico.testing.PorticoNode;
import org.portico.testing.ResumingChatClient;

/**
 * Issue 13, the must-hold test ({@code docs/cluster.md}): three Portico nodes, each its own process on loopback,
 * form one Infinispan cluster behind Debian's HAProxy in plain round robin, in front of the local Prosody. 300
 * XEP-0198 sessions, half BOSH and half WebSocket, spread over the nodes, chat in a ring with numbered messages
 * while the test
 * <ol>
 *   <li>counts the BOSH requests that landed on a node other than their session's owner and were forwarded;</li>
 *   <li>kills one node (SIGKILL): its clients get {@code item-not-found} or a closed socket, open a new stream
 *       through the balancer and resume (XEP-0198 §5), while the other nodes' sessions need no resumption;</li>
 *   <li>restarts the killed node, then drains and restarts each of the three in turn ({@code POST /drain}), under
 *       traffic.</li>
 * </ol>
 * At the end every client has every message of its sender exactly once and in order.
 */
class ClusterEndToEndTest {

    private static final int NODES = 3;
    private static final int SESSIONS = 300;
    /** 300 sessions each sending one message per round: 150 messages a second, what Prosody on 2 cores keeps up with. */
    private static final Duration ROUND = Duration.ofMillis(2000);
    private static final Duration PATIENCE = Duration.ofSeconds(90);
    private static final int KILLED = 1;
    private static final Path FIGURES = Path.of("target/cluster/figures.txt");

    private final List<PorticoNode> nodes = new ArrayList<>();
    private final List<ResumingChatClient> clients = new ArrayList<>();
    private final AtomicInteger round = new AtomicInteger();
    private final AtomicBoolean chatting = new AtomicBoolean(true);

    private void await(BooleanSupplier condition, Duration patience, String what) throws Exception {
        long deadline = System.nanoTime() + patience.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                // while chatting, the round just sent may still be on its way; once it stopped, every one is due
                int due = chatting.get() ? round.get() - 1 : round.get();
                List<String> behind = new ArrayList<>();
                for (int i = 0; i < SESSIONS && behind.size() < 10; i++) {
                    List<Integer> got = clients.get(i).receivedFrom(partnerOf(i).jid());
                    if (got.size() < due) {
                        List<Integer> missing = IntStream.rangeClosed(1, due).boxed().filter(n -> !got.contains(n))
                                .toList();
                        behind.add(clients.get(i) + " has " + got.size() + " of " + partnerOf(i) + ", missing "
                                + missing + ", resumptions " + clients.get(i).resumptions().size()
                                + ", failure " + clients.get(i).failure());
                    }
                }
                report("not within " + patience + ": " + what + "; behind: " + behind);
                throw new AssertionError("not within " + patience + ": " + what + "; behind: " + behind);
            }
            Thread.sleep(50);
        }
    }

    /** A figure of the run: on standard output, and in target/cluster/figures.txt as it happens. */
    private static void report(String line) {
        System.out.println(line);
        try {
            Files.writeString(FIGURES, line + "\n",
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private ResumingChatClient partnerOf(int index) {
        return clients.get((index + SESSIONS - 1) % SESSIONS);
    }

    /** Every client sends the next number to the one after it, once per {@link #ROUND}, until told to stop. */
    private void chatInRounds() {
        while (chatting.get()) {
            int n = round.incrementAndGet();
            for (int i = 0; i < SESSIONS; i++) {
                clients.get(i).chat(clients.get((i + 1) % SESSIONS).jid(), n);
            }
            try {
                Thread.sleep(ROUND.toMillis());
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private boolean everyoneHas(int rounds) {
        for (int i = 0; i < SESSIONS; i++) {
            if (clients.get(i).receivedFrom(partnerOf(i).jid()).size() < rounds) {
                return false;
            }
        }
        return true;
    }

    private Map<String, Integer> sessionsByNode() {
        Map<String, Integer> byNode = new TreeMap<>();
        clients.forEach(client -> byNode.merge(String.valueOf(client.node()), 1, Integer::sum));
        return byNode;
    }

    private double forwarded(String outcome) throws Exception {
        double total = 0;
        for (PorticoNode node : nodes) {
            if (node.alive()) {
                try (AdminClient admin = node.admin()) {
                    total += admin.scrape().value("portico_cluster_forwarded_requests_total",
                            Map.of("outcome", outcome));
                }
            }
        }
        return total;
    }

    @Test
    void threeNodesBehindRoundRobinLoseNothingForXep0198ClientsWhenOneIsKilledAndAllAreRestarted_XEP0198_5()
            throws Exception {
        LocalProsody.assumeRunning();
        Files.createDirectories(FIGURES.getParent());
        Files.deleteIfExists(FIGURES);
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
        LocalHaproxy haproxy = null;
        try {
            // a cold start as an operator does it: the nodes one after another, each joining the ones before, and
            // then readiness; the first is not ready while it is alone (cluster.formTimeout), so waiting for it
            // before starting the second would only wait out that timeout
            for (int n = 0; n < NODES; n++) {
                nodes.add(PorticoNode.of(n, NODES).launch());
                if (n == 0) {
                    try (AdminClient admin = nodes.get(0).admin()) {
                        HttpResponse<String> alone = admin.get("/readyz");
                        report("cold start: node0 alone answers /readyz " + alone.statusCode() + " "
                                + alone.body().strip());
                        assertEquals(503, alone.statusCode(), "the first node is not ready alone: " + alone.body());
                        assertTrue(alone.body().contains("alone in cluster portico-test"), alone.body());
                    }
                }
            }
            for (PorticoNode node : nodes) {
                node.awaitReady();
            }
            report("cold start, readiness awaited once all three ran: ready after " + nodes.stream()
                    .map(n -> n.name() + " " + n.readyAfter().toMillis() + " ms").toList() + " from its launch");
            haproxy = LocalHaproxy.start(nodes);
            URI balancer = URI.create("http://127.0.0.1:" + ClusterPorts.balancer());
            int users = LocalProsody.testUsers();
            for (int i = 0; i < SESSIONS; i++) {
                clients.add(new ResumingChatClient(i % 2 == 0 ? ResumingChatClient.Transport.BOSH
                        : ResumingChatClient.Transport.WEBSOCKET, balancer, LocalProsody.DOMAIN,
                        "test" + (1 + i % users), "cluster" + i, http));
            }
            Semaphore logins = new Semaphore(12);
            List<Future<Integer>> loggedIn = new ArrayList<>();
            for (ResumingChatClient client : clients) {
                loggedIn.add(threads.submit(() -> {
                    logins.acquire();
                    try {
                        return client.login(3);
                    } finally {
                        logins.release();
                    }
                }));
            }
            int attempts = 0;
            for (Future<Integer> login : loggedIn) {
                attempts += login.get();
            }
            Map<String, Integer> spread = sessionsByNode();
            report("sessions by node: " + spread + "; " + attempts + " login attempts for " + SESSIONS + " logins");
            assertEquals(NODES, spread.size(), "round robin spread the sessions over every node: " + spread);

            threads.submit(this::chatInRounds);
            await(() -> everyoneHas(3), PATIENCE, "three rounds delivered before any node fails");
            double forwardedBefore = forwarded("answered");
            report("before the kill: forwarded " + forwardedBefore + " BOSH requests, failed "
                    + forwarded("failed") + "; client requests " + ResumingChatClient.boshFigures());
            assertTrue(forwardedBefore > 0, "requests that landed on a non-owner were forwarded");
            assertEquals(0, forwarded("failed"), "no forward failed while every node lived");

            String victim = nodes.get(KILLED).name();
            List<ResumingChatClient> orphans = clients.stream().filter(c -> victim.equals(c.node())).toList();
            List<ResumingChatClient> others = clients.stream().filter(c -> !victim.equals(c.node())).toList();
            int killedAt = round.get();
            nodes.get(KILLED).kill();
            await(() -> orphans.stream().allMatch(c -> !c.resumptions().isEmpty() || c.failure() != null),
                    PATIENCE, "every client of the killed node resumed");
            orphans.forEach(c -> assertNull(c.failure(), c + ": " + c.failure()));
            List<Long> resumeTimes = orphans.stream().map(c -> c.resumptions().get(0)).sorted().toList();
            report("killed " + victim + " at round " + killedAt + ": " + orphans.size()
                    + " sessions resumed through the others in " + resumeTimes.get(0) + ".." + resumeTimes.getLast()
                    + " ms (median " + resumeTimes.get(resumeTimes.size() / 2) + " ms)");
            int afterKill = round.get() + 2;
            await(() -> everyoneHas(afterKill), PATIENCE, "two more rounds delivered after the kill");
            for (ResumingChatClient other : others) {
                assertTrue(other.resumptions().isEmpty(), other + " on a surviving node needed no resumption");
            }

            nodes.get(KILLED).start();
            haproxy.awaitUp(victim, PATIENCE);
            report("killed node " + victim + " restarted, ready after " + nodes.get(KILLED).readyAfter().toMillis()
                    + " ms");
            for (PorticoNode node : nodes) {
                int before = round.get();
                node.drain(Duration.ofSeconds(30));
                node.start();
                haproxy.awaitUp(node.name(), PATIENCE);
                report("rolling restart: " + node.name() + " drained and back between rounds " + before
                        + " and " + round.get() + ", ready " + node.readyAfter().toMillis()
                        + " ms after its start; sessions by node " + sessionsByNode());
            }
            chatting.set(false);
            int last = round.get();
            await(() -> everyoneHas(last), PATIENCE.multipliedBy(2), "the last round delivered");

            long resumptions = clients.stream().mapToLong(c -> c.resumptions().size()).sum();
            for (int i = 0; i < SESSIONS; i++) {
                ResumingChatClient client = clients.get(i);
                assertNull(client.failure(), client + ": " + client.failure());
                assertEquals(IntStream.rangeClosed(1, last).boxed().toList(), client.receivedFrom(partnerOf(i).jid()),
                        client + " got every numbered message of its sender exactly once and in order");
            }
            int endsWithConditionBefore = ResumingChatClient.boshEndsWithCondition();
            closeAll(threads);
            report("messages: " + SESSIONS * (long) last + " sent, each received exactly once in order "
                    + "(lost 0, duplicated 0); " + resumptions + " resumptions in all; BOSH requests "
                    + ResumingChatClient.boshFigures() + "; forwarded after the restarts "
                    + forwarded("answered") + ", failed " + forwarded("failed"));
            // a client's terminate may overtake its previous request, and §11 allows it as one request more
            assertEquals(endsWithConditionBefore, ResumingChatClient.boshEndsWithCondition(),
                    "every BOSH client's terminate ended its session cleanly: " + ResumingChatClient.boshFigures());
        } finally {
            chatting.set(false);
            closeAll(threads);
            threads.shutdownNow();
            if (haproxy != null) {
                haproxy.close();
            }
            nodes.forEach(PorticoNode::close);
            // not close(): it waits for every request still held, which the stopped nodes will never answer
            http.shutdownNow();
        }
    }

    /** Ends every client's session politely, all at once, as a balancer's clients leaving together would. */
    private void closeAll(ExecutorService threads) throws Exception {
        List<Future<?>> closed = new ArrayList<>();
        clients.forEach(client -> closed.add(threads.submit(client::close)));
        for (Future<?> close : closed) {
            close.get();
        }
    }
}
