package org.portico.load;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ProcessSampleTest {

    @Test
    void readsTheCpuTimeAndResidentSetOfALiveProcessFromProc() {
        long pid = ProcessHandle.current().pid();
        ProcessSample before = ProcessSample.of(pid);
        long spin = System.nanoTime() + 200_000_000L;
        long sum = 0;
        while (System.nanoTime() < spin) {
            sum += System.nanoTime() % 7;
        }
        ProcessSample after = ProcessSample.of(pid);
        assertTrue(sum >= 0);
        assertTrue(after.rssKib() > 1024, "a JVM's resident set is over 1 MiB: " + after.rssKib());
        assertTrue(after.cpuTicks() > before.cpuTicks(), "200 ms of spinning used CPU ticks");
        assertTrue(after.cpuPercentSince(before, 100) > 0);
    }
}
