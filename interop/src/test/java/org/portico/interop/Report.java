package org.portico.interop;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.util.ajax.JSON;

/**
 * What one client script reported: for each behaviour, the JSON object it printed (what it observed, or an
 * {@code error} saying what it waited for in vain).
 *
 * @param name      the run's name, e.g. {@code strophe-bosh}
 * @param observed  each behaviour's report, in the order printed
 * @param finished  whether the script ended before its timeout
 * @param exitCode  its exit status (-1 when it was stopped)
 * @param log       its stderr: the library's and the script's diagnostics
 */
record Report(String name, Map<String, Map<String, Object>> observed, boolean finished, int exitCode, Path log) {

    @SuppressWarnings("unchecked")
    static Report parse(String name, List<String> lines, boolean finished, int exitCode, Path log) {
        Map<String, Map<String, Object>> observed = new LinkedHashMap<>();
        JSON json = new JSON();
        for (String line : lines) {
            if (line.startsWith("{")) {
                Map<String, Object> fields = (Map<String, Object>) json.fromJSON(line);
                observed.put((String) fields.get("behaviour"), fields);
            }
        }
        return new Report(name, observed, finished, exitCode, log);
    }

    /** The observation reported for a behaviour; fails the calling test when there is none or it is an error. */
    Map<String, Object> of(String behaviour) {
        Map<String, Object> fields = observed.get(behaviour);
        if (fields == null) {
            fail(name + " reported nothing for '" + behaviour + "' (" + (finished ? "exit status " + exitCode
                    : "stopped after its timeout") + "); its log: " + log);
        }
        if (fields.containsKey("error")) {
            fail(name + ", " + behaviour + ": " + fields.get("error") + "; its log: " + log);
        }
        return fields;
    }
}
