package org.portico.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/portico-aot-option}: which ahead-of-time cache option {@code bin/portico} and
 * {@code scripts/portico-run.sh} start Portico with. The JVM runs without a cache that another JDK build or another
 * class path made, saying nothing, and without one made with options that change the layout of objects (a heap
 * above 32 GB, no compact headers), warning on every start; so the script must record anew whenever any of them
 * changed, and never hand the JVM such a cache. The JDK here is a stand-in that prints the settings the script
 * reads, so each case is a JDK of our choosing; {@code DistributionArchiveTest} runs the real one with the packaged
 * Portico.
 */
class AotOptionTest {

    private static final Path SCRIPT = Path.of("src/bin/portico-aot-option");

    @TempDir
    Path dir;

    private Path cache;
    private Path jar;

    @BeforeEach
    void classPath() throws IOException {
        cache = dir.resolve("portico.aot");
        jar = Files.writeString(dir.resolve("portico.jar"), "a jar");
    }

    @Test
    void withoutACacheFileNothingIsPrintedAndNoJavaRuns() throws Exception {
        assertEquals("", option("", dir.resolve("no-such-java"), jar));
    }

    @Test
    void aJdkOlderThan25HasNoCacheToRecordOrUse() throws Exception {
        assertEquals("", option(cache.toString(), jdk("21", "21.0.9+10-LTS"), jar));
        assertFalse(Files.exists(stamp()), "no stamp either");
    }

    @Test
    void theFirstRunRecordsTheCacheAndTheNextStartsWithIt() throws Exception {
        Path jdk = jdk("25", "25.0.3+9-LTS");

        assertEquals("-XX:AOTCacheOutput=" + cache, option(cache.toString(), jdk, jar));
        assertTrue(Files.isRegularFile(stamp()), "the stamp of the JDK and class path it is recorded with");
        Files.writeString(cache, "what the recording run wrote when it stopped");

        assertEquals("-XX:AOTCache=" + cache, option(cache.toString(), jdk, jar));
        assertEquals("-XX:AOTCache=" + cache, option(cache.toString(), jdk, jar), "and every run after it");
    }

    @Test
    void aChangedClassPathEntryRecordsAnewAndRemovesTheStaleCache() throws Exception {
        Path jdk = jdk("25", "25.0.3+9-LTS");
        recorded(jdk);
        Files.setLastModifiedTime(jar, FileTime.fromMillis(0));

        assertEquals("-XX:AOTCacheOutput=" + cache, option(cache.toString(), jdk, jar));
        assertFalse(Files.exists(cache), "the JVM would keep the stale file and run without it");
    }

    @Test
    void anAddedClassPathEntryRecordsAnew() throws Exception {
        Path jdk = jdk("25", "25.0.3+9-LTS");
        recorded(jdk);
        Path another = Files.writeString(dir.resolve("another.jar"), "another jar");

        assertEquals("-XX:AOTCacheOutput=" + cache, option(cache.toString(), jdk, jar, another));
    }

    @Test
    void anotherJdkBuildRecordsAnew() throws Exception {
        recorded(jdk("25", "25.0.3+9-LTS"));

        assertEquals("-XX:AOTCacheOutput=" + cache, option(cache.toString(), jdk("25", "25.0.4+7-LTS"), jar));
    }

    @Test
    void otherJvmOptionsRecordAnew() throws Exception {
        Path jdk = jdk("25", "25.0.3+9-LTS");
        recorded(jdk);

        assertEquals("-XX:AOTCacheOutput=" + cache, option(cache.toString(), "-Xmx64g", jdk, jar),
                "with a heap above 32 GB the JVM would refuse the cache on every start");
        Files.writeString(cache, "what the recording run wrote when it stopped");
        assertEquals("-XX:AOTCache=" + cache, option(cache.toString(), "-Xmx64g", jdk, jar));
    }

    @Test
    void aCacheWithoutItsStampIsRecordedAnew() throws Exception {
        Files.writeString(cache, "a cache of unknown origin");

        assertEquals("-XX:AOTCacheOutput=" + cache, option(cache.toString(), jdk("25", "25.0.3+9-LTS"), jar));
    }

    private Path stamp() {
        return dir.resolve("portico.aot.stamp");
    }

    /** A cache recorded by a run on {@code jdk} with the class path {@code jar}. */
    private void recorded(Path jdk) throws IOException, InterruptedException {
        assertEquals("-XX:AOTCacheOutput=" + cache, option(cache.toString(), jdk, jar));
        Files.writeString(cache, "what the recording run wrote when it stopped");
        assertEquals("-XX:AOTCache=" + cache, option(cache.toString(), jdk, jar));
    }

    /**
     * A stand-in for {@code java}: {@code -XshowSettings:properties -version} prints, on standard error as the JDK
     * does, the settings the script reads.
     */
    private Path jdk(String specification, String runtimeVersion) throws IOException {
        Path java = dir.resolve("java-" + runtimeVersion);
        Files.writeString(java, """
                #!/bin/sh
                cat >&2 <<'END'
                Property settings:
                    java.home = /opt/jdk-%s
                    java.runtime.version = %s
                    java.specification.version = %s
                END
                """.formatted(runtimeVersion, runtimeVersion, specification));
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwx------"));
        return java;
    }

    private static String option(String cacheFile, Path java, Path... classPath)
            throws IOException, InterruptedException {
        return option(cacheFile, "", java, classPath);
    }

    /** The script's output with {@code javaOptions} as the operator's {@code PORTICO_JAVA_OPTS}. */
    private static String option(String cacheFile, String javaOptions, Path java, Path... classPath)
            throws IOException, InterruptedException {
        List<String> arguments = new ArrayList<>(List.of(SCRIPT.toString(), cacheFile, java.toString()));
        for (Path entry : classPath) {
            arguments.add(entry.toString());
        }
        return Scripts.output(Map.of("PORTICO_JAVA_OPTS", javaOptions), arguments).strip();
    }
}
