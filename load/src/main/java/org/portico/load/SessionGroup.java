package org.portico.load;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Semaphore;

/**
 * N sessions logged in on one target as test1..testN (or, after the first K users, test(K+1)..test(K+N)), session i
 * paired with i^1 (0 with 1, 2 with 3, ...). What the
 * sessions receive goes to the {@link Receiver} set for the current window. Closing logs them all out and closes the
 * HTTP client of this group, so no connection outlives its target's turn.
 */
final class SessionGroup implements AutoCloseable {

    /** Where inbound markers and ping answers go, with the index of the session that received them. */
    interface Receiver {
        void message(int receiver, long window, int sender, long seq, long scheduledNanos, long nowNanos);

        void pingAnswer(int receiver, long ping, long nowNanos);
    }

    private static final Receiver NOBODY = new Receiver() {
        @Override
        public void message(int receiver, long window, int sender, long seq, long scheduledNanos, long nowNanos) {
        }

        @Override
        public void pingAnswer(int receiver, long ping, long nowNanos) {
        }
    };

    final Target target;
    private final XmppClient[] clients;
    private final String[] jids;
    private volatile Receiver receiver = NOBODY;
    /** How long logging in all sessions took, in seconds. */
    private double loginSeconds;

    private SessionGroup(Target target, int sessions) {
        this.target = target;
        this.clients = new XmppClient[sessions];
        this.jids = new String[sessions];
    }

    /**
     * Logs in {@code sessions} sessions as the users after the first {@code skipped}, at most {@code concurrency} at
     * a time; fails if any login fails.
     */
    static SessionGroup login(Target target, int sessions, int skipped, String domain, int concurrency,
            int boshWait, BrowserHabits habits, Duration timeout) throws IOException, InterruptedException {
        SessionGroup group = new SessionGroup(target, sessions);
        long started = System.nanoTime();
        Semaphore permits = new Semaphore(concurrency);
        List<String> errors = Collections.synchronizedList(new ArrayList<>());
        try (ExecutorService logins = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < sessions; i++) {
                int index = i;
                logins.submit(() -> {
                    try {
                        permits.acquire();
                    } catch (InterruptedException e) {
                        errors.add("session " + index + ": interrupted");
                        return;
                    }
                    String user = "test" + (skipped + index + 1);
                    try {
                        group.clients[index] = target.connect(domain, boshWait, habits, timeout);
                        group.jids[index] = group.clients[index].login(user, user + "pw",
                                "load-" + target.kind().label + "-" + (skipped + index), group.sinkFor(index));
                    } catch (IOException | InterruptedException | RuntimeException e) {
                        errors.add("session " + index + " (" + user + "): " + e.getMessage());
                    } finally {
                        permits.release();
                    }
                });
            }
        }
        group.loginSeconds = (System.nanoTime() - started) / 1e9;
        if (!errors.isEmpty()) {
            group.close();
            throw new IOException(errors.size() + " of " + sessions + " logins to " + target.name()
                    + " failed, first: " + errors.get(0));
        }
        return group;
    }

    private InboundScanner.Sink sinkFor(int index) {
        return new InboundScanner.Sink() {
            @Override
            public void message(long window, int sender, long seq, long scheduledNanos) {
                receiver.message(index, window, sender, seq, scheduledNanos, System.nanoTime());
            }

            @Override
            public void pingAnswer(long ping) {
                receiver.pingAnswer(index, ping, System.nanoTime());
            }
        };
    }

    /** How many of the sessions got compressed data from the server ({@link XmppClient#compressed}). */
    int compressedSessions() {
        return (int) Arrays.stream(clients).filter(XmppClient::compressed).count();
    }

    double loginSeconds() {
        return loginSeconds;
    }

    int size() {
        return clients.length;
    }

    XmppClient client(int index) {
        return clients[index];
    }

    String jid(int index) {
        return jids[index];
    }

    void receiveWith(Receiver next) {
        receiver = next;
    }

    /** Sessions whose transport failed or whose server ended them. */
    List<String> failures() {
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < clients.length; i++) {
            String failure = clients[i] == null ? "not connected" : clients[i].failure();
            if (failure != null) {
                failures.add("session " + i + ": " + failure);
            }
        }
        return failures;
    }

    @Override
    public void close() {
        try (ExecutorService closing = Executors.newVirtualThreadPerTaskExecutor()) {
            for (XmppClient client : clients) {
                if (client != null) {
                    closing.submit(client::close);
                }
            }
        }
    }
}
