package org.portico.testing;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Debian's nginx on loopback in front of a Portico, configured with {@code conf/nginx/portico.conf} itself (its
 * {@code @...@} values filled in): TLS with a throw-away self-signed certificate for {@code localhost}, HTTPS on
 * {@code PORTICO_NGINX_PORT} (default 7443) and the redirecting HTTP server on {@code PORTICO_NGINX_HTTP_PORT}
 * (default 7080). It runs as the test's own process, never as a daemon or a system service, with its prefix, pid,
 * logs and temporary files under {@code $PORTICO_RUN_DIR/nginx}; {@link #close} stops it and every process it
 * started.
 */
public final class LocalNginx implements AutoCloseable {

    public static final int HTTPS_PORT = Integer.parseInt(LocalProsody.setting("portico.nginx.port",
            "PORTICO_NGINX_PORT", "7443"));
    public static final int HTTP_PORT = Integer.parseInt(LocalProsody.setting("portico.nginx.http.port",
            "PORTICO_NGINX_HTTP_PORT", "7080"));
    /** The shipped configuration, from the module's directory (where Maven runs the tests). */
    static final Path CONFIG = Path.of("../conf/nginx/portico.conf");
    private static final Path DIR = LocalProsody.RUN_DIR.resolve("nginx");
    private static final Duration START = Duration.ofSeconds(15);

    private final Process process;

    private LocalNginx(Process process) {
        this.process = process;
    }

    /** Starts nginx in front of the Portico on {@code porticoPort}; skips (or, in the full run, fails) without it. */
    public static LocalNginx start(int porticoPort) throws Exception {
        Path nginx = InstalledProgram.require("nginx");
        for (String sub : List.of("logs", "temp")) {
            Files.createDirectories(DIR.resolve(sub));
        }
        Path certificate = DIR.resolve("localhost.crt");
        Path key = DIR.resolve("localhost.key");
        run(List.of("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
                "-addext", "subjectAltName=DNS:localhost", "-keyout", key.toString(), "-out", certificate.toString()));

        String site = render(Files.readString(CONFIG), Map.of("SERVER_NAME", "localhost", "HTTPS_LISTEN",
                "127.0.0.1:" + HTTPS_PORT, "HTTP_LISTEN", "127.0.0.1:" + HTTP_PORT, "CERTIFICATE",
                certificate.toString(), "CERTIFICATE_KEY", key.toString(), "PORTICO", "127.0.0.1:" + porticoPort));
        Files.writeString(DIR.resolve("portico.conf"), site);
        Path temp = DIR.resolve("temp");
        // the main file a distribution's nginx.conf would be, with every path inside DIR and no "user" directive,
        // which nginx only honours (and otherwise warns about) when started as root
        Files.writeString(DIR.resolve("nginx.conf"), String.join("\n",
                "worker_processes 1;",
                "daemon off;",
                "pid " + DIR.resolve("nginx.pid") + ";",
                "error_log " + DIR.resolve("logs/error.log") + " warn;",
                "events { worker_connections 512; }",
                "http {",
                "    access_log " + DIR.resolve("logs/access.log") + ";",
                "    client_body_temp_path " + temp.resolve("body") + ";",
                "    proxy_temp_path " + temp.resolve("proxy") + ";",
                "    fastcgi_temp_path " + temp.resolve("fastcgi") + ";",
                "    uwsgi_temp_path " + temp.resolve("uwsgi") + ";",
                "    scgi_temp_path " + temp.resolve("scgi") + ";",
                "    include " + DIR.resolve("portico.conf") + ";",
                "}", ""));
        Process process = new ProcessBuilder(nginx.toString(), "-p", DIR.toString(), "-c",
                DIR.resolve("nginx.conf").toString(), "-e", DIR.resolve("logs/error.log").toString())
                .redirectErrorStream(true).redirectOutput(DIR.resolve("logs/console.log").toFile()).start();
        LocalNginx started = new LocalNginx(process);
        long deadline = System.nanoTime() + START.toNanos();
        while (!listening(HTTPS_PORT)) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                started.close();
                throw new AssertionError("nginx did not start on 127.0.0.1:" + HTTPS_PORT + ": "
                        + Files.readString(DIR.resolve("logs/error.log")));
            }
            Thread.sleep(20);
        }
        return started;
    }

    /** The template with each {@code @NAME@} replaced; a value left unfilled is an error. */
    static String render(String template, Map<String, String> values) {
        String text = template;
        for (Map.Entry<String, String> value : values.entrySet()) {
            text = text.replace("@" + value.getKey() + "@", value.getValue());
        }
        String withoutComments = text.replaceAll("(?m)#.*$", "");
        if (withoutComments.matches("(?s).*@[A-Z_]+@.*")) {
            throw new IllegalArgumentException("unfilled placeholder in " + CONFIG + ": " + withoutComments);
        }
        return text;
    }

    private static boolean listening(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void run(List<String> command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IOException(command + " failed: " + output);
        }
    }

    /** TLS that trusts only the throw-away certificate this nginx serves. */
    public static SSLContext tls() throws Exception {
        CertificateFactory factory = CertificateFactory.getInstance("X.509");
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(DIR.resolve("localhost.crt"))) {
            trust.setCertificateEntry("nginx", (X509Certificate) factory.generateCertificate(in));
        }
        TrustManagerFactory trustManagers = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trustManagers.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trustManagers.getTrustManagers(), null);
        return context;
    }

    public URI uri(String path) {
        return URI.create("https://localhost:" + HTTPS_PORT + path);
    }

    public URI boshUri() {
        return uri("/http-bind");
    }

    public URI websocketUri() {
        return URI.create("wss://localhost:" + HTTPS_PORT + "/xmpp-websocket");
    }

    /** nginx's own error log, for failure messages. */
    public String errorLog() throws IOException {
        return Files.readString(DIR.resolve("logs/error.log"));
    }

    /** Stops nginx (SIGTERM: the master stops its workers), and any worker still alive after it. */
    @Override
    public void close() {
        List<ProcessHandle> workers = process.descendants().toList();
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        workers.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
    }

    @Override
    public String toString() {
        return "LocalNginx[https 127.0.0.1:" + HTTPS_PORT + ", pid " + process.pid() + "]";
    }
}
