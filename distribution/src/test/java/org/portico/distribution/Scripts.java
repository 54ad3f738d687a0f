package org.portico.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs one of the distribution's helper scripts, as {@code bin/portico} does, for what it prints. */
final class Scripts {

    private Scripts() {
    }

    /**
     * The standard output of {@code command} run with {@code environment} added to this JVM's; its standard error goes
     * to the test's. Fails unless the script ends within 30 s and succeeds.
     */
    static String output(Map<String, String> environment, List<String> command)
            throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT);
        builder.environment().putAll(environment);
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(30, TimeUnit.SECONDS), "the script ends");
        assertEquals(0, process.exitValue(), "the script succeeds");
        return output;
    }
}
