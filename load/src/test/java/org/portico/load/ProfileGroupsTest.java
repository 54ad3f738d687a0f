package org.portico.load;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * How a CPU profile's samples are put in the groups docs/benchmarks.md reports (issue 10: where a message's CPU
 * goes, the kernel's share included).
 */
class ProfileGroupsTest {

    private static final String SELECTOR = "java/lang/Thread.run;org/eclipse/jetty/io/ManagedSelector.select;";
    private static final String WRITE = "sun/nio/ch/SocketDispatcher.writev0;entry_SYSCALL_64_after_hwframe_[k];"
            + "do_syscall_64_[k];do_writev_[k];vfs_writev_[k]";

    private static String group(String stack) {
        return ProfileGroups.group(stack.split(";"));
    }

    @Test
    void aSampleUnderASystemCallIsTheKernelsNamedByTheCall() {
        assertEquals("kernel: writev", group(SELECTOR + "org/portico/websocket/Outbound.flush;" + WRITE));
        assertEquals("kernel: read", group(SELECTOR + "sun/nio/ch/SocketDispatcher.read0;"
                + "entry_SYSCALL_64_after_hwframe_[k];do_syscall_64_[k];ksys_read_[k]"));
        assertEquals("kernel: other", group(SELECTOR + "java/util/HashMap.resize;asm_exc_page_fault_[k];"
                + "exc_page_fault_[k]"));
    }

    @Test
    void jdkFramesCountForTheirInnermostNonJdkCaller() {
        assertEquals("Portico XML", group(SELECTOR + "org/portico/xml/PlainElement.ascii;java/lang/String.<init>"));
        assertEquals("Portico other", group(SELECTOR + "org/portico/xml/PlainElement.element;"
                + "org/portico/upstream/UpstreamReader.readable;java/util/HashMap.put"));
        assertEquals("Jetty", group(SELECTOR + "java/util/HashSet.iterator"));
        assertEquals("logging", group(SELECTOR + "org/portico/upstream/UpstreamReader.readable;"
                + "ch/qos/logback/classic/util/LogbackMDCAdapter.setContextMap;java/util/HashMap.<init>"));
        assertEquals("Caffeine", group(SELECTOR + "com/github/benmanes/caffeine/cache/BoundedLocalCache.compute"));
        assertEquals("other", group("java/lang/Thread.run;java/util/concurrent/ForkJoinPool.runWorker"));
    }

    @Test
    void nativeCodeIsTheJvmsOnJavaThreadsAndOnItsOwn() {
        assertEquals("JVM code on Java threads", group(SELECTOR + "org/portico/xml/XmlWriter.write;"
                + "jbyte_disjoint_arraycopy"));
        assertEquals("JVM threads", group("thread_native_entry;G1ParScanThreadState::trim_queue_to_threshold"));
        assertEquals("JVM threads", group("clone3;start_thread;C2Compiler::compile_method;"
                + "asm_exc_page_fault_[k]"));
    }

    @Test
    void sharesArePercentOfAllSamplesInTheReportedOrder() {
        Map<String, Double> shares = ProfileGroups.of(List.of(
                SELECTOR + "org/portico/xml/StreamFramer.scan 30",
                SELECTOR + "org/portico/websocket/Outbound.flush;" + WRITE + " 50",
                "thread_native_entry;G1ParScanThreadState::trim_queue_to_threshold 15",
                SELECTOR + "org/portico/xml/StreamFramer.step 5"));
        Map<String, Double> expected = new LinkedHashMap<>();
        expected.put("kernel: writev", 50.0);
        expected.put("Portico XML", 35.0);
        expected.put("JVM threads", 15.0);
        assertEquals(expected, shares);
        assertEquals("kernel: writev 50.0 %, Portico XML 35.0 %, JVM threads 15.0 %", ProfileGroups.describe(shares));
    }
}
