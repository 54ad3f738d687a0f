package org.portico.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * A server program from a Debian package that an end-to-end test starts itself (nginx, HAProxy); scripts/
 * prerequisites.sh installs them. Without it the test is skipped, except in the full run
 * ({@code portico.e2e.required}), where a missing program is a failure rather than a silent gap.
 */
final class InstalledProgram {

    private InstalledProgram() {
    }

    /** Where {@code name} is installed; skips or fails the calling test when it is not. */
    static Path require(String name) {
        Path found = null;
        for (Path candidate : List.of(Path.of("/usr/sbin", name), Path.of("/usr/local/sbin", name))) {
            if (found == null && Files.isExecutable(candidate)) {
                found = candidate;
            }
        }
        String missing = name + " is not installed (scripts/prerequisites.sh test installs it)";
        if (Boolean.parseBoolean(LocalProsody.setting("portico.e2e.required", "PORTICO_E2E_REQUIRED", "false"))) {
            Assertions.assertNotNull(found, missing);
        }
        Assumptions.assumeTrue(found != null, missing);
        return found;
    }
}
