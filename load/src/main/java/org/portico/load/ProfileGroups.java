package org.portico.load;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Sums async-profiler's collapsed stacks ({@code frame;frame;...;leaf count}, outermost frame first) into the groups
 * docs/benchmarks.md reports. Each sample goes to the first group it matches:
 * <ol>
 * <li>a thread of the JVM's own (its stack does not start in Java: the compiler, the collector);</li>
 * <li>the kernel, by system call, when a kernel frame ({@code _[k]}) is on the stack;</li>
 * <li>the JVM's code on a Java thread, when the leaf is not a Java method (copy stubs, GC barriers, libc);</li>
 * <li>else the innermost frame that is not the JDK's, so that a {@code HashMap} Portico's XML reader makes counts
 * for the reader: Portico's XML, the rest of Portico, Jetty, Caffeine, metrics, logging, other.</li>
 * </ol>
 */
final class ProfileGroups {

    /** The groups, in the order they are reported. */
    static final List<String> ORDER = List.of("kernel: writev", "kernel: write", "kernel: read",
            "kernel: epoll_wait", "kernel: other", "Jetty", "Portico XML", "Portico other",
            "JVM code on Java threads", "JVM threads", "logging", "Caffeine", "metrics", "other");

    private static final Map<String, String> SYSTEM_CALLS = Map.of("do_writev", "kernel: writev", "ksys_write",
            "kernel: write", "ksys_read", "kernel: read", "__x64_sys_epoll_wait", "kernel: epoll_wait");
    private static final String KERNEL = "_[k]";

    private ProfileGroups() {
    }

    /** Share of all samples per group, in percent, groups with samples only, in {@link #ORDER}. */
    static Map<String, Double> of(Path collapsed) {
        try {
            return of(Files.readAllLines(collapsed, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Map<String, Double> of(List<String> lines) {
        Map<String, Long> samples = new LinkedHashMap<>();
        long total = 0;
        for (String line : lines) {
            int space = line.lastIndexOf(' ');
            if (space < 0) {
                continue;
            }
            long count = Long.parseLong(line.substring(space + 1).strip());
            samples.merge(group(line.substring(0, space).split(";")), count, Long::sum);
            total += count;
        }
        Map<String, Double> shares = new LinkedHashMap<>();
        for (String group : ORDER) {
            Long count = samples.get(group);
            if (count != null) {
                shares.put(group, 100.0 * count / total);
            }
        }
        return shares;
    }

    /** "kernel: writev 10.6 %, ..." for a row. */
    static String describe(Map<String, Double> shares) {
        return shares.entrySet().stream()
                .map(e -> String.format(Locale.ROOT, "%s %.1f %%", e.getKey(), e.getValue()))
                .collect(Collectors.joining(", "));
    }

    static String group(String[] frames) {
        if (!javaMethod(frames[0])) {
            return "JVM threads";
        }
        boolean kernel = false;
        for (String frame : frames) {
            if (frame.endsWith(KERNEL)) {
                kernel = true;
                String call = SYSTEM_CALLS.get(frame.substring(0, frame.length() - KERNEL.length()));
                if (call != null) {
                    return call;
                }
            }
        }
        if (kernel) {
            return "kernel: other";
        }
        if (!javaMethod(frames[frames.length - 1])) {
            return "JVM code on Java threads";
        }
        for (int i = frames.length - 1; i >= 0; i--) {
            String frame = frames[i];
            if (javaMethod(frame) && !frame.startsWith("java/") && !frame.startsWith("jdk/")
                    && !frame.startsWith("sun/")) {
                return owner(frame);
            }
        }
        return "other";
    }

    private static String owner(String frame) {
        if (frame.startsWith("org/portico/xml/")) {
            return "Portico XML";
        }
        if (frame.startsWith("org/portico/")) {
            return "Portico other";
        }
        if (frame.startsWith("org/eclipse/jetty/")) {
            return "Jetty";
        }
        if (frame.startsWith("com/github/benmanes/caffeine/")) {
            return "Caffeine";
        }
        if (frame.startsWith("io/prometheus/")) {
            return "metrics";
        }
        if (frame.startsWith("ch/qos/logback/") || frame.startsWith("org/slf4j/")) {
            return "logging";
        }
        return "other";
    }

    /** Java methods are named with their package's slashes ({@code java/lang/String.equals}); native code is not. */
    private static boolean javaMethod(String frame) {
        return frame.indexOf('/') > 0 && !frame.endsWith(KERNEL);
    }
}
