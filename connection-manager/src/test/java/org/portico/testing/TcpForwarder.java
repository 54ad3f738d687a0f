package org.portico.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP forwarder on a loopback port in front of a real server, which a test can cut: every connection through it
 * is reset at once, as the server's host would when the server process dies; or one connection stops being read,
 * as by a server that hangs. Lets one test lose "its" server without stopping the server the other tests share.
 * It also counts the connections a client opened through it (all of them, and the most open at once): what a
 * browser's connection pool did, seen from the network.
 */
public final class TcpForwarder implements AutoCloseable {

    private final ServerSocket listener;
    private final String targetHost;
    private final int targetPort;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    /** The client side of each connection accepted, in order. */
    private final List<Socket> clients = new CopyOnWriteArrayList<>();
    /** Client sides whose bytes are no longer read: the server "hangs" on that connection. */
    private final Set<Socket> stalled = ConcurrentHashMap.newKeySet();
    private final AtomicInteger accepted = new AtomicInteger();
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicInteger mostOpen = new AtomicInteger();
    /** How long each read from a client is held before it goes on to the server: a slow hop. */
    private volatile Duration delay = Duration.ZERO;

    public TcpForwarder(String targetHost, int targetPort) throws IOException {
        this.targetHost = targetHost;
        this.targetPort = targetPort;
        this.listener = new ServerSocket();
        listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        Thread.ofVirtual().name("forwarder-accept").start(this::accept);
    }

    public int port() {
        return listener.getLocalPort();
    }

    private void accept() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                Socket server = new Socket(targetHost, targetPort);
                sockets.add(client);
                sockets.add(server);
                clients.add(client);
                accepted.incrementAndGet();
                mostOpen.accumulateAndGet(open.incrementAndGet(), Math::max);
                AtomicBoolean ended = new AtomicBoolean();
                Runnable end = () -> {
                    if (ended.compareAndSet(false, true)) {
                        open.decrementAndGet();
                    }
                };
                Thread.ofVirtual().start(() -> {
                    pumpUnlessStalled(client, server);
                    if (!stalled.contains(client)) {
                        end.run(); // a stalled connection is still open
                    }
                });
                Thread.ofVirtual().start(() -> {
                    pump(server, client);
                    end.run();
                });
            } catch (IOException e) {
                return;
            }
        }
    }

    /** Connections accepted since the forwarder started. */
    public int accepted() {
        return accepted.get();
    }

    /** The most connections that were open through the forwarder at one time. */
    public int mostOpen() {
        return mostOpen.get();
    }

    private static void pump(Socket from, Socket to) {
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            in.transferTo(out);
        } catch (IOException e) {
            // one side was cut or closed; the other pump ends with it
        }
    }

    /**
     * Copies like {@link #pump}, but stops reading once the connection is {@link #stall}ed, and then leaves both
     * sockets open (closing them would tell the server), until the forwarder closes.
     */
    private void pumpUnlessStalled(Socket from, Socket to) {
        byte[] buffer = new byte[8192];
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            while (!stalled.contains(from)) {
                int n = in.read(buffer);
                if (n < 0) {
                    to.shutdownOutput();
                    return;
                }
                Duration late = delay;
                if (!late.isZero()) {
                    Thread.sleep(late);
                }
                out.write(buffer, 0, n);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            // one side was cut or closed; the other pump ends with it
        }
    }


    /** From now on, what each client sends reaches the server {@code delay} late (a slow or overloaded hop). */
    public void delay(Duration delay) {
        this.delay = delay;
    }

    /**
     * The server stops reading the {@code index}-th connection (0-based, in order of connection): the bytes sent to
     * it pile up in the kernel's buffers, then in the sender's, as with a server that hangs on one session.
     */
    public void stall(int index) {
        stalled.add(clients.get(index));
    }

    /**
     * Drops every connection through the forwarder, with a reset (SO_LINGER 0) or an orderly FIN (what the kernel
     * sends for a killed process); new connections are still accepted.
     */
    public void cutAll(boolean reset) {
        for (Socket socket : sockets) {
            try {
                if (reset) {
                    socket.setSoLinger(true, 0);
                }
                socket.close();
            } catch (IOException e) {
                // already closed
            }
        }
        sockets.clear();
    }

    @Override
    public void close() throws IOException {
        listener.close();
        cutAll(true);
    }
}
