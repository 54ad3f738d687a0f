package org.portico.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** What a benchmark figure depends on besides the code: cores, CPU, OS, JVM, and memory in use. */
final class MachineFacts {

    private static final double MIB = 1024.0 * 1024.0;

    private MachineFacts() {
    }

    static String describe() {
        Runtime runtime = Runtime.getRuntime();
        return "machine: " + runtime.availableProcessors() + " cores available to the JVM, "
                + cpuModel().orElse("CPU model unknown") + ", " + System.getProperty("os.name") + " "
                + System.getProperty("os.version") + " " + System.getProperty("os.arch") + "\n"
                + "JVM: " + System.getProperty("java.vm.vendor") + " " + System.getProperty("java.vm.name") + " "
                + System.getProperty("java.runtime.version") + ", max heap " + mib(runtime.maxMemory()) + ", "
                + ManagementFactory.getRuntimeMXBean().getInputArguments();
    }

    /** Heap in use after a full collection, in MiB: what live objects hold, without garbage awaiting collection. */
    static String heapUsedAfterGc() {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        memory.gc();
        return mib(memory.getHeapMemoryUsage().getUsed());
    }

    /** The resident set size of a process (Linux {@code /proc}), e.g. Prosody's. */
    static String residentSetSize(long pid) {
        try {
            return Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status")).stream()
                    .filter(line -> line.startsWith("VmRSS:"))
                    .map(line -> line.substring("VmRSS:".length()).trim()).findFirst().orElse("unknown");
        } catch (IOException e) {
            return "unknown (" + e.getMessage() + ")";
        }
    }

    private static Optional<String> cpuModel() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
                    .filter(line -> line.startsWith("model name"))
                    .map(line -> line.substring(line.indexOf(':') + 1).trim()).findFirst();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static String mib(long bytes) {
        return String.format("%.1f MiB", bytes / MIB);
    }
}
