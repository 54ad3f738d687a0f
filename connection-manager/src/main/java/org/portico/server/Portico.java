package org.portico.server;

import java.nio.file.Path;
import org.portico.upstream.TcpUpstreamConnector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The command line: {@code Portico --config conf/portico.properties}. Starts the server; SIGINT/SIGTERM and
 * {@code POST /drain} on the admin listener drain it ({@link PorticoServer#drain}: clients sent elsewhere or told
 * {@code system-shutdown}, at most {@code admin.drainGrace} for them to go), after which the process exits.
 */
public final class Portico {

    private static final Logger log = LoggerFactory.getLogger(Portico.class);

    private Portico() {
    }

    public static void main(String[] args) throws Exception {
        Thread.setDefaultUncaughtExceptionHandler(new UncaughtExceptions());
        Path configFile = Path.of("conf/portico.properties");
        for (int i = 0; i < args.length; i++) {
            if ("--config".equals(args[i]) && i + 1 < args.length) {
                configFile = Path.of(args[++i]);
            } else {
                System.err.println("usage: Portico [--config FILE]");
                System.exit(2);
            }
        }
        PorticoConfig config;
        try {
            config = PorticoConfig.load(configFile, System.getenv());
        } catch (IllegalArgumentException e) {
            System.err.println("Portico: configuration error: " + e.getMessage());
            System.exit(2);
            return;
        }
        PorticoServer server = new PorticoServer(config, new TcpUpstreamConnector(config.upstream())).start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            log.info("stopping: draining first");
            try {
                server.drain();
            } catch (RuntimeException e) {
                log.warn("error while stopping: {}", e.toString());
            }
        }, "portico-shutdown"));
        server.drained().join();
        // a drain from the admin listener ends the process too; after SIGTERM this waits for the hook instead
        System.exit(0);
    }
}
