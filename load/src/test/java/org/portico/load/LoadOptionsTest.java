package org.portico.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The generator's options for the stepped idle measure ({@code --step-sessions}, issue 10's RSS slope), for the
 * relay floor ({@code c2s-relay}), for the stalls a latency row reports ({@code --stall-ms}) and for profiling the
 * measured windows ({@code --profile}).
 */
class LoadOptionsTest {

    private static final String SERVER = "--server=prosody,c2s=5222,http=5280,pid=1,portico=8080,portico-pid=2";

    private static LoadOptions parse(String... args) {
        String[] all = new String[args.length + 1];
        all[0] = SERVER;
        System.arraycopy(args, 0, all, 1, args.length);
        return LoadOptions.parse(all);
    }

    @Test
    void messagesAboveFiftyMillisecondsAreStallsUnlessToldOtherwise() {
        assertEquals(java.time.Duration.ofMillis(50), parse("--mode=latency").stall());
        assertEquals(java.time.Duration.ofMillis(20), parse("--mode=latency", "--stall-ms=20").stall());
        assertThrows(IllegalArgumentException.class, () -> parse("--stall-ms=0"));
    }

    @Test
    void withoutStepSessionsIdleHoldsOneGroup() {
        assertEquals(0, parse("--mode=idle", "--sessions=9000").stepSessions());
    }

    @Test
    void stepSessionsIsTheFirstHoldOfAnIdleRun() {
        assertEquals(5000, parse("--mode=idle", "--sessions=9000", "--step-sessions=5000").stepSessions());
    }

    @Test
    void stepSessionsMustLeaveAPairForTheSecondStep() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> parse("--mode=idle", "--sessions=200", "--step-sessions=200"));
        assertTrue(e.getMessage().contains("--step-sessions must be between 0 and 198"), e.getMessage());
    }

    @Test
    void stepSessionsIsRefusedOutsideIdleAndWhenOdd() {
        assertThrows(IllegalArgumentException.class,
                () -> parse("--mode=latency", "--sessions=200", "--step-sessions=100"));
        assertThrows(IllegalArgumentException.class,
                () -> parse("--mode=idle", "--sessions=200", "--step-sessions=101"));
    }

    @Test
    void clientsHaveABrowsersHabitsOnlyWhenAsked() {
        assertEquals(BrowserHabits.NONE, parse("--mode=idle").habits(), "by default, as before the options");
        assertEquals(new BrowserHabits(true, false, false), parse("--mode=idle", "--compression=browser").habits());
        assertEquals(new BrowserHabits(false, true, false), parse("--mode=idle", "--request-headers=browser")
                .habits());
        assertEquals(new BrowserHabits(false, false, true), parse("--mode=idle", "--http=2").habits());
        assertEquals(BrowserHabits.NONE, parse("--mode=idle", "--compression=none", "--request-headers=minimal",
                "--http=1.1").habits());
        assertThrows(IllegalArgumentException.class, () -> parse("--mode=idle", "--compression=gzip"));
        assertThrows(IllegalArgumentException.class, () -> parse("--mode=idle", "--request-headers=none"));
        assertThrows(IllegalArgumentException.class, () -> parse("--mode=idle", "--http=3"));
    }

    @Test
    void theRelayTargetWatchesTheRelayAndTheServer() {
        LoadOptions options = LoadOptions.parse(new String[] {SERVER + ",relay=7074,relay-pid=3",
                "--targets=c2s,c2s-relay"});
        Target relayed = options.targets().get(1);
        assertEquals(Target.Kind.C2S_RELAY, relayed.kind());
        assertEquals("127.0.0.1:7074", relayed.endpoint());
        assertEquals(java.util.List.of(new Target.Watched("relay", 3), new Target.Watched("server", 1)),
                relayed.watched());
    }

    @Test
    void theRelayTargetNeedsTheRelaysPortAndPid() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> parse("--targets=c2s-relay"));
        assertTrue(e.getMessage().contains("needs relay="), e.getMessage());
    }

    @Test
    void aProfileIsForMessageWindowsWrittenBesideTheJsonLines(@TempDir Path dir) throws IOException {
        Path library = Files.createFile(dir.resolve("libasyncProfiler.so"));
        String jsonl = "--jsonl=" + dir.resolve("latency.jsonl");
        assertNull(parse("--mode=latency", jsonl).profile());
        LoadOptions cpu = parse("--mode=latency", jsonl, "--profile=cpu:" + library);
        assertEquals(dir.resolve("w1.collapsed"), cpu.profile().output(dir.resolve("w1")));
        assertEquals(dir.resolve("w1.jfr"), parse("--mode=throughput", jsonl, "--profile=jfr").profile()
                .output(dir.resolve("w1")));

        assertThrows(IllegalArgumentException.class, () -> parse("--mode=idle", jsonl, "--profile=jfr"));
        assertThrows(IllegalArgumentException.class, () -> parse("--mode=latency", "--profile=jfr"));
        assertThrows(IllegalArgumentException.class, () -> parse("--mode=latency", jsonl, "--profile=wall"));
        assertThrows(IllegalArgumentException.class,
                () -> parse("--mode=latency", jsonl, "--profile=cpu:" + dir.resolve("missing.so")));
    }
}
