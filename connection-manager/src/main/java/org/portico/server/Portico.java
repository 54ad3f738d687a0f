package org.portico.server;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import org.portico.upstream.TcpUpstreamConnector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The command line: {@code Portico --config conf/portico.properties}. Starts the server and stops it cleanly on
 * SIGINT/SIGTERM, telling every client {@code system-shutdown} first.
 */
public final class Portico {

    private static final Logger log = LoggerFactory.getLogger(Portico.class);

    private Portico() {
    }

    public static void main(String[] args) throws Exception {
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
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            log.info("stopping");
            try {
                server.close();
            } catch (Exception e) {
                log.warn("error while stopping: {}", e.toString());
            }
            stopped.countDown();
        }, "portico-shutdown"));
        stopped.await();
    }
}
