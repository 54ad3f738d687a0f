package org.portico.load;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One reading of a process's CPU time and resident set from Linux's /proc: {@code /proc/<pid>/stat} fields 14 and
 * 15 (utime, stime, in clock ticks, all threads) and {@code VmRSS} from {@code /proc/<pid>/status}. Two readings
 * give the CPU a process used between them.
 */
record ProcessSample(long pid, long nanos, long cpuTicks, long rssKib) {

    static ProcessSample of(long pid) {
        long now = System.nanoTime();
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // The command name (field 2) may hold spaces and parentheses: the fields that follow start after the
            // last ')'. Field 3 (state) is then index 0, so utime (14) is index 11 and stime (15) index 12.
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
            long rss = -1;
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    rss = Long.parseLong(line.substring(6).trim().split("\\s+")[0]);
                }
            }
            return new ProcessSample(pid, now, ticks, rss);
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("cannot read /proc/" + pid + " (has the process exited?): " + e, e);
        }
    }

    /** Share of one core this process used from {@code earlier} to this reading, in percent. */
    double cpuPercentSince(ProcessSample earlier, long ticksPerSecond) {
        double cpuSeconds = (double) (cpuTicks - earlier.cpuTicks) / ticksPerSecond;
        double wallSeconds = (nanos - earlier.nanos) / 1e9;
        return wallSeconds <= 0 ? 0 : 100 * cpuSeconds / wallSeconds;
    }

    /** CPU milliseconds used from {@code earlier} to this reading. */
    double cpuMillisSince(ProcessSample earlier, long ticksPerSecond) {
        return 1000.0 * (cpuTicks - earlier.cpuTicks) / ticksPerSecond;
    }
}
