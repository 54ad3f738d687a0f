package org.portico.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.concurrent.CountDownLatch;

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

    @Test
    void aPoolsThreadsAreOneGroup() {
        assertEquals("ForkJoinPool-#-worker-#",
                ProcessSample.threadGroup("812 (ForkJoinPool-1-worker-12) S 1 2 3"));
        assertEquals("C# CompilerThre", ProcessSample.threadGroup("813 (C2 CompilerThre) S 1 2 3"));
        assertEquals("odd) name", ProcessSample.threadGroup("814 (odd) name) R 1 2 3"));
    }

    @Test
    void theBusiestThreadGroupsComeFirstAsPercentOfACore() {
        ProcessSample before = new ProcessSample(1, 0, 0, 0, Map.of("selector", 10L, "beat", 5L, "idle", 7L));
        ProcessSample after = new ProcessSample(1, 10_000_000_000L, 0, 0,
                Map.of("selector", 30L, "beat", 55L, "idle", 7L, "new", 4L));

        // 100 ticks a second over 10 s: 50 ticks are 5 % of a core
        assertEquals("beat 5.00, selector 2.00, new 0.40", after.busiestThreadsSince(before, 100, 8));
        assertEquals("beat 5.00", after.busiestThreadsSince(before, 100, 1));
    }

    @Test
    void aLiveProcessNamesTheThreadThatSpun() throws Exception {
        long pid = ProcessHandle.current().pid();
        CountDownLatch spun = new CountDownLatch(1);
        CountDownLatch read = new CountDownLatch(1);
        ProcessSample before = ProcessSample.of(pid);
        // the spinner stays alive until read: an ended thread is no longer in /proc/<pid>/task
        Thread spinner = Thread.ofPlatform().name("spinner-7").start(() -> {
            long until = System.nanoTime() + 300_000_000L;
            long sum = 0;
            while (System.nanoTime() < until) {
                sum += System.nanoTime() % 7;
            }
            spun.countDown();
            try {
                read.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        spun.await();
        ProcessSample after = ProcessSample.of(pid);
        read.countDown();
        spinner.join();

        String busiest = after.busiestThreadsSince(before, 100, 3);
        assertTrue(busiest.startsWith("spinner-# "), busiest);
    }
}
