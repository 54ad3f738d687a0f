package org.portico.load;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * One reading of a process's CPU time and resident set from Linux's /proc: {@code /proc/<pid>/stat} fields 14 and
 * 15 (utime, stime, in clock ticks, all threads) and {@code VmRSS} from {@code /proc/<pid>/status}. Two readings
 * give the CPU a process used between them.
 *
 * <p>The same two fields of each thread ({@code /proc/<pid>/task/<tid>/stat}) are summed by thread name, digits
 * folded to {@code #} (a pool's threads are one group): which threads spent a process's CPU, without a profiler
 * that would spend some itself.
 *
 * @param threadTicks CPU ticks by thread name, digits folded; a thread that has exited is no longer counted
 */
record ProcessSample(long pid, long nanos, long cpuTicks, long rssKib, Map<String, Long> threadTicks) {

    ProcessSample {
        threadTicks = Map.copyOf(threadTicks);
    }

    static ProcessSample of(long pid) {
        long now = System.nanoTime();
        try {
            long ticks = ticks(Files.readString(Path.of("/proc", Long.toString(pid), "stat")));
            long rss = -1;
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    rss = Long.parseLong(line.substring(6).trim().split("\\s+")[0]);
                }
            }
            return new ProcessSample(pid, now, ticks, rss, threadTicks(pid));
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("cannot read /proc/" + pid + " (has the process exited?): " + e, e);
        }
    }

    /** utime + stime of one {@code stat} line. */
    private static long ticks(String stat) {
        // The command name (field 2) may hold spaces and parentheses: the fields that follow start after the last
        // ')'. Field 3 (state) is then index 0, so utime (14) is index 11 and stime (15) index 12.
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    }

    /** A thread's group: its name (the kernel keeps 15 characters) with every run of digits folded to {@code #}. */
    static String threadGroup(String stat) {
        return stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replaceAll("[0-9]+", "#");
    }

    private static Map<String, Long> threadTicks(long pid) throws IOException {
        Map<String, Long> groups = new HashMap<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                String stat;
                try {
                    stat = Files.readString(task.resolve("stat"));
                } catch (IOException e) {
                    continue; // the thread ended while the list was read
                }
                groups.merge(threadGroup(stat), ticks(stat), Long::sum);
            }
        }
        return groups;
    }

    /**
     * The {@code most} thread groups that used the most CPU from {@code earlier} to this reading, busiest first, as
     * {@code "name percent-of-a-core"} joined by commas; groups that used none are left out.
     */
    String busiestThreadsSince(ProcessSample earlier, long ticksPerSecond, int most) {
        if (nanos <= earlier.nanos) {
            return "";
        }
        return threadTicks.entrySet().stream()
                .map(group -> Map.entry(group.getKey(),
                        group.getValue() - earlier.threadTicks.getOrDefault(group.getKey(), 0L)))
                .filter(group -> group.getValue() > 0)
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
                .limit(most)
                .map(group -> String.format(Locale.ROOT, "%s %.2f", group.getKey(),
                        percentOfACore(group.getValue(), earlier, ticksPerSecond)))
                .collect(Collectors.joining(", "));
    }

    /** Share of one core this process used from {@code earlier} to this reading, in percent. */
    double cpuPercentSince(ProcessSample earlier, long ticksPerSecond) {
        return percentOfACore(cpuTicks - earlier.cpuTicks, earlier, ticksPerSecond);
    }

    /** {@code ticks} of CPU as a share of one core over the time from {@code earlier} to this reading, in percent. */
    private double percentOfACore(long ticks, ProcessSample earlier, long ticksPerSecond) {
        double wallSeconds = (nanos - earlier.nanos) / 1e9;
        return wallSeconds <= 0 ? 0 : 100.0 * ticks / ticksPerSecond / wallSeconds;
    }

    /** CPU milliseconds used from {@code earlier} to this reading. */
    double cpuMillisSince(ProcessSample earlier, long ticksPerSecond) {
        return 1000.0 * (cpuTicks - earlier.cpuTicks) / ticksPerSecond;
    }
}
