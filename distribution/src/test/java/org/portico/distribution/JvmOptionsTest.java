package org.portico.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code bin/portico-jvm-options}: the defaults {@code bin/portico} and {@code scripts/portico-run.sh} start Portico
 * with, before the operator's {@code PORTICO_JAVA_OPTS}. Every default must be overridable there; for the collector
 * that means leaving G1 out when the operator names another, since the JVM refuses to start with two ("Multiple
 * garbage collectors selected"). Huge pages are asked for only where the kernel hands them out, since the JVM warns
 * on every start where it does not.
 */
class JvmOptionsTest {

    private static final Path SCRIPT = Path.of("src/bin/portico-jvm-options");
    private static final Path JAVA = Path.of(System.getProperty("java.home"), "bin", "java");
    private static final int RELEASE = Runtime.version().feature();
    private static final String HUGE_PAGES = "-XX:+UseTransparentHugePages";

    @TempDir
    Path dir;

    @Test
    void withoutOperatorOptionsTheDefaultsChooseG1() throws Exception {
        List<String> defaults = defaults("");

        assertTrue(defaults.contains("-XX:+UseG1GC"), defaults.toString());
        assertTrue(defaults.contains("-XX:MaxHeapFreeRatio=30"), defaults.toString());
        assertEquals(0, javaVersion(defaults, "").exit(), "the JVM starts with the defaults alone");
    }

    @Test
    void optionsThatOnlyMentionTheCollectorKeepG1() throws Exception {
        String operator = "-XX:MaxNewSize=64m -Xlog:gc:stdout -XX:+UseAdaptiveSizePolicyWithSystemGC -Dx=*";

        assertTrue(defaults(operator).contains("-XX:+UseG1GC"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"-XX:+UseParallelGC", "-XX:+UseSerialGC", "-XX:+UseZGC", "-XX:+UseG1GC"})
    void aCollectorNamedByTheOperatorReplacesG1AndTheJvmStarts(String collector) throws Exception {
        String operator = "-Xmx256m " + collector;
        List<String> defaults = defaults(operator);

        assertFalse(defaults.contains("-XX:+UseG1GC"), defaults.toString());
        assertTrue(defaults.contains("-XX:MinHeapFreeRatio=10"), "the other defaults stay: " + defaults);
        assertEquals(0, javaVersion(defaults, operator).exit(), "java " + defaults + " " + operator + " -version");
    }

    @ParameterizedTest
    @ValueSource(strings = {"always [madvise] never", "[always] madvise never"})
    void theHeapAsksForHugePagesWhenTheKernelHandsThemOut(String setting) throws Exception {
        List<String> defaults = defaults("", Files.writeString(dir.resolve("enabled"), setting + "\n"));

        assertTrue(defaults.contains(HUGE_PAGES), defaults.toString());
    }

    @Test
    void theHeapDoesNotAskForHugePagesWhenTheKernelHasThemOffOrSaysNothing() throws Exception {
        Path never = Files.writeString(dir.resolve("enabled"), "always madvise [never]\n");

        assertFalse(defaults("", never).contains(HUGE_PAGES), "the JVM would warn on every start");
        assertFalse(defaults("", dir.resolve("absent")).contains(HUGE_PAGES), "a kernel without the setting");
    }

    @Test
    void onThisMachineTheJvmStartsWithTheDefaultsAndWarnsOfNothing() throws Exception {
        JavaRun run = javaVersion(defaults(""), "");

        assertEquals(0, run.exit(), run.output());
        assertFalse(run.output().toLowerCase(Locale.ROOT).contains("warning"), run.output());
    }

    private static List<String> defaults(String operatorOptions) throws IOException, InterruptedException {
        return defaults(operatorOptions, null);
    }

    /** The script's options; with {@code hugePagesSetting}, read as the kernel's transparent huge page setting. */
    private static List<String> defaults(String operatorOptions, Path hugePagesSetting)
            throws IOException, InterruptedException {
        List<String> arguments = new ArrayList<>(List.of(SCRIPT.toString(), Integer.toString(RELEASE)));
        if (hugePagesSetting != null) {
            arguments.add(hugePagesSetting.toString());
        }
        return Scripts.output(Map.of("PORTICO_JAVA_OPTS", operatorOptions), arguments).lines().toList();
    }

    /** How {@code java -version} ended, and what it printed (standard output and error together). */
    private record JavaRun(int exit, String output) {
    }

    /** {@code java DEFAULTS OPERATOR -version}, in the order bin/portico passes them. */
    private static JavaRun javaVersion(List<String> defaults, String operatorOptions)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(JAVA.toString());
        command.addAll(defaults);
        if (!operatorOptions.isBlank()) {
            command.addAll(Arrays.asList(operatorOptions.trim().split("\\s+")));
        }
        command.add("-version");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "java -version ends");
        return new JavaRun(process.exitValue(), output);
    }
}
