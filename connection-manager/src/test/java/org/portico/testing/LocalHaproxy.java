package org.portico.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Debian's HAProxy on loopback in front of the cluster nodes, in plain round robin: every request (each BOSH POST,
 * each WebSocket handshake) goes to the next ready node, whichever node owns the session, as a balancer that knows
 * nothing of Portico would. It checks each node's readiness on its admin listener ({@code GET /readyz}), so a
 * draining or dead node leaves the rotation; a connection a dead node refuses is tried on another
 * ({@code retry-on conn-failure}, {@code option redispatch}). The configuration is the one {@code docs/cluster.md}
 * shows. It runs in the foreground as the test's own process, config and log under {@code target/cluster/}.
 */
public final class LocalHaproxy implements AutoCloseable {

    private static final Duration START = Duration.ofSeconds(15);
    private static final Path DIR = Path.of("target/cluster");

    private final Process process;

    private LocalHaproxy(Process process) {
        this.process = process;
    }

    /** The configuration for {@code nodes}: the docs/cluster.md example with the test's ports. */
    static String config(List<PorticoNode> nodes) {
        List<String> lines = new ArrayList<>(List.of(
                "global",
                "    maxconn 4096",
                "defaults",
                "    mode http",
                "    timeout connect 2s",
                "    timeout client 90s",
                "    timeout server 90s",
                "    timeout tunnel 1h",
                "    timeout check 5s",
                "    retries 3",
                "    retry-on conn-failure",
                "    option redispatch 1",
                "listen stats",
                "    bind 127.0.0.1:" + ClusterPorts.balancerStats(),
                "    stats enable",
                "    stats uri /stats",
                "frontend portico",
                "    bind 127.0.0.1:" + ClusterPorts.balancer(),
                "    default_backend portico_nodes",
                "backend portico_nodes",
                "    balance roundrobin",
                "    option httpchk GET /readyz",
                "    default-server inter 500ms fall 1 rise 2"));
        for (int n = 0; n < nodes.size(); n++) {
            lines.add("    server " + nodes.get(n).name() + " 127.0.0.1:" + ClusterPorts.http(n) + " check port "
                    + ClusterPorts.admin(n));
        }
        lines.add("");
        return String.join("\n", lines);
    }

    /** Starts HAProxy in front of {@code nodes}; skips (or, in the full run, fails) without it. */
    public static LocalHaproxy start(List<PorticoNode> nodes) throws Exception {
        Path haproxy = InstalledProgram.require("haproxy");
        Files.createDirectories(DIR);
        Path config = DIR.resolve("haproxy.cfg");
        Files.writeString(config, config(nodes));
        Path log = DIR.resolve("haproxy.log");
        Process process = new ProcessBuilder(haproxy.toString(), "-db", "-f", config.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        LocalHaproxy started = new LocalHaproxy(process);
        long deadline = System.nanoTime() + START.toNanos();
        while (!listening(ClusterPorts.balancer())) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                started.close();
                throw new AssertionError("haproxy did not start on 127.0.0.1:" + ClusterPorts.balancer() + ": "
                        + Files.readString(log));
            }
            Thread.sleep(20);
        }
        return started;
    }

    /**
     * Waits until HAProxy has node {@code name} in its rotation again (its readiness checks passed): a rolling
     * restart drains the next node only then, as an operator watching the balancer would.
     */
    public void awaitUp(String name, Duration patience) throws Exception {
        long deadline = System.nanoTime() + patience.toNanos();
        try (HttpClient http = HttpClient.newHttpClient()) {
            while (true) {
                String csv = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                        + ClusterPorts.balancerStats() + "/stats;csv")).build(),
                        HttpResponse.BodyHandlers.ofString()).body();
                for (String line : csv.split("\n")) {
                    String[] fields = line.split(",");
                    // pxname, svname, … the 18th field is the status
                    if (fields.length > 17 && "portico_nodes".equals(fields[0]) && name.equals(fields[1])
                            && "UP".equals(fields[17])) {
                        return;
                    }
                }
                if (System.nanoTime() > deadline) {
                    throw new AssertionError(name + " not UP at HAProxy within " + patience + ": " + csv);
                }
                Thread.sleep(100);
            }
        }
    }

    private static boolean listening(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
