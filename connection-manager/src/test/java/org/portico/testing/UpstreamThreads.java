package org.portico.testing;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Pattern;

/**
 * Counts Portico's upstream reader and writer threads (virtual threads, which {@code Thread.getAllStackTraces} does
 * not list) from a JSON thread dump, by name: a reader per live upstream stream and a writer while bytes wait to be
 * written, none once the streams are gone.
 */
public final class UpstreamThreads {

    private static final Pattern NAME = Pattern.compile("\"name\": \"upstream-(reader|writer) ");

    private UpstreamThreads() {
    }

    /** The upstream readers and writers alive now. */
    public static long alive() throws IOException {
        return alive(NAME);
    }

    /** The upstream readers alive now for streams to {@code domain}. */
    public static long readersFor(String domain) throws IOException {
        return alive(Pattern.compile("\"name\": \"upstream-reader " + Pattern.quote(domain) + "\""));
    }

    /** Waits up to {@code timeout} for the readers and writers of streams to {@code domain} to end. */
    public static long awaitNoneFor(String domain, Duration timeout) throws IOException, InterruptedException {
        Pattern name = Pattern.compile("\"name\": \"upstream-(reader|writer) " + Pattern.quote(domain) + "\"");
        long deadline = System.nanoTime() + timeout.toNanos();
        long alive = alive(name);
        while (alive > 0 && System.nanoTime() < deadline) {
            Thread.sleep(20); // polled, bounded
            alive = alive(name);
        }
        return alive;
    }

    private static long alive(Pattern name) throws IOException {
        Path dump = Files.createTempFile("threads", ".json");
        try {
            Files.delete(dump); // the dump refuses to overwrite
            ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class)
                    .dumpThreads(dump.toString(), HotSpotDiagnosticMXBean.ThreadDumpFormat.JSON);
            return name.matcher(Files.readString(dump)).results().count();
        } finally {
            Files.deleteIfExists(dump);
        }
    }

    /** Waits up to {@code timeout} for all of them to end (they end just after their sockets close). */
    public static long awaitNone(Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        long alive = alive();
        while (alive > 0 && System.nanoTime() < deadline) {
            Thread.sleep(20); // polled, bounded
            alive = alive();
        }
        return alive;
    }
}
