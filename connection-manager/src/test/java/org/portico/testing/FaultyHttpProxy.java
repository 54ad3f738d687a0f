package org.portico.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An HTTP/1.1 proxy on loopback in front of Portico that misbehaves the way networks and hostile proxies do: for
 * each request a seeded random choice passes it through, loses it, loses its response (the client sees its
 * connection closed), sends it twice on two connections, holds it back so that later requests overtake it, or
 * half-closes its connection to Portico after the request. One request per connection ({@code Connection: close}
 * both ways), so each request's fate is its own.
 */
public final class FaultyHttpProxy implements AutoCloseable {

    /** What the proxy does to one request. */
    public enum Fault {
        NONE, DROP_REQUEST, DROP_RESPONSE, DUPLICATE, DELAY, HALF_CLOSE
    }

    private final ServerSocket listener;
    private final InetSocketAddress target;
    private final Random random;
    private final double faultRate;
    private final Map<Fault, AtomicLong> counts = new EnumMap<>(Fault.class);

    /**
     * @param faultRate the share of requests that meet a fault, spread evenly over the faults
     * @param seed      for a reproducible sequence of choices
     */
    public FaultyHttpProxy(int targetPort, double faultRate, long seed) throws IOException {
        this.target = new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort);
        this.random = new Random(seed);
        this.faultRate = faultRate;
        for (Fault fault : Fault.values()) {
            counts.put(fault, new AtomicLong());
        }
        this.listener = new ServerSocket();
        listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        Thread.ofVirtual().name("faulty-proxy-accept").start(this::accept);
    }

    public int port() {
        return listener.getLocalPort();
    }

    /** How often each fault (and {@link Fault#NONE}) was applied so far. */
    public Map<Fault, Long> counts() {
        Map<Fault, Long> copy = new EnumMap<>(Fault.class);
        counts.forEach((fault, count) -> copy.put(fault, count.get()));
        return copy;
    }

    private Fault choose() {
        synchronized (random) {
            if (random.nextDouble() >= faultRate) {
                return Fault.NONE;
            }
            return Fault.values()[1 + random.nextInt(Fault.values().length - 1)];
        }
    }

    private int delayMillis() {
        synchronized (random) {
            return 1 + random.nextInt(150);
        }
    }

    private void accept() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                Thread.ofVirtual().start(() -> serve(client));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket client) {
        try (client) {
            byte[] request = readRequest(client.getInputStream());
            if (request == null) {
                return;
            }
            Fault fault = choose();
            counts.get(fault).incrementAndGet();
            byte[] response = switch (fault) {
                case NONE -> exchange(request, false);
                case DROP_REQUEST -> null;
                case DROP_RESPONSE -> {
                    exchange(request, false);
                    yield null;
                }
                case DUPLICATE -> {
                    CompletableFuture<byte[]> first = CompletableFuture.supplyAsync(() -> exchangeQuietly(request),
                            runnable -> Thread.ofVirtual().start(runnable));
                    byte[] second = exchange(request, false);
                    first.join();
                    yield second;
                }
                case DELAY -> {
                    Thread.sleep(delayMillis());
                    yield exchange(request, false);
                }
                case HALF_CLOSE -> exchange(request, true);
            };
            if (response != null) {
                OutputStream out = client.getOutputStream();
                out.write(response);
                out.flush();
            }
        } catch (IOException | RuntimeException e) {
            // the client or Portico went away: the client sees a closed connection, as on a real network
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private byte[] exchangeQuietly(byte[] request) {
        try {
            return exchange(request, false);
        } catch (IOException e) {
            return null;
        }
    }

    /** Sends the request to Portico on a new connection and reads the whole response (Portico closes after it). */
    private byte[] exchange(byte[] request, boolean halfClose) throws IOException {
        try (Socket portico = new Socket()) {
            portico.connect(target, 5000);
            portico.getOutputStream().write(request);
            portico.getOutputStream().flush();
            if (halfClose) {
                portico.shutdownOutput();
            }
            return portico.getInputStream().readAllBytes();
        }
    }

    /** One request, headers and Content-Length body, with its Connection header replaced by {@code close}. */
    private static byte[] readRequest(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int last4 = 0;
        while (last4 != 0x0d0a0d0a) { // the blank line after the headers
            int b = in.read();
            if (b < 0) {
                return null;
            }
            head.write(b);
            last4 = (last4 << 8) | b;
        }
        StringBuilder headers = new StringBuilder();
        int length = 0;
        for (String line : head.toString(StandardCharsets.ISO_8859_1).split("\r\n")) {
            String lower = line.toLowerCase(Locale.ROOT);
            if (line.isEmpty() || lower.startsWith("connection:") || lower.startsWith("upgrade:")
                    || lower.startsWith("http2-settings:")) {
                continue;
            }
            if (lower.startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(line.indexOf(':') + 1).trim());
            }
            headers.append(line).append("\r\n");
        }
        headers.append("Connection: close\r\n\r\n");
        byte[] body = in.readNBytes(length);
        ByteArrayOutputStream request = new ByteArrayOutputStream();
        request.write(headers.toString().getBytes(StandardCharsets.ISO_8859_1));
        request.write(body);
        return request.toByteArray();
    }

    @Override
    public void close() throws IOException {
        listener.close();
    }
}
