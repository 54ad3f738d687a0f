package org.portico.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code bin/portico-jvm-options}: the defaults {@code bin/portico} and {@code scripts/portico-run.sh} start Portico
 * with, before the operator's {@code PORTICO_JAVA_OPTS}. Every default must be overridable there; for the collector
 * that means leaving G1 out when the operator names another, since the JVM refuses to start with two ("Multiple
 * garbage collectors selected").
 */
class JvmOptionsTest {

    private static final Path SCRIPT = Path.of("src/bin/portico-jvm-options");
    private static final Path JAVA = Path.of(System.getProperty("java.home"), "bin", "java");
    private static final int RELEASE = Runtime.version().feature();

    @Test
    void withoutOperatorOptionsTheDefaultsChooseG1() throws Exception {
        List<String> defaults = defaults("");

        assertTrue(defaults.contains("-XX:+UseG1GC"), defaults.toString());
        assertTrue(defaults.contains("-XX:MaxHeapFreeRatio=30"), defaults.toString());
        assertEquals(0, javaVersion(defaults, ""), "the JVM starts with the defaults alone");
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
        assertEquals(0, javaVersion(defaults, operator), "java " + defaults + " " + operator + " -version");
    }

    private static List<String> defaults(String operatorOptions) throws IOException, InterruptedException {
        ProcessBuilder command = new ProcessBuilder(SCRIPT.toString(), Integer.toString(RELEASE));
        command.environment().put("PORTICO_JAVA_OPTS", operatorOptions);
        Process process = command.redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(30, TimeUnit.SECONDS), "the script ends");
        assertEquals(0, process.exitValue(), "the script succeeds");
        return output.lines().toList();
    }

    /** Exit status of {@code java DEFAULTS OPERATOR -version}, in the order bin/portico passes them. */
    private static int javaVersion(List<String> defaults, String operatorOptions)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(JAVA.toString());
        command.addAll(defaults);
        if (!operatorOptions.isBlank()) {
            command.addAll(Arrays.asList(operatorOptions.trim().split("\\s+")));
        }
        command.add("-version");
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "java -version ends");
        return process.exitValue();
    }
}
