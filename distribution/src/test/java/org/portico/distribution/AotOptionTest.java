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
 * changed, and never hand the JVM such a cache. Nor one that a recording run cut off while writing it, which the
 * JVM refuses on every start: the first start after a recording has the JVM check the cache. The JDK here is a
 * stand-in that prints the settings the script reads and passes the check only for a cache written whole, so each
 * case is a JDK of our choosing; {@code DistributionArchiveTest} runs the real one with the packaged Portico.
 */
class AotOptionTest {

    private static final Path SCRIPT = Path.of("src/bin/portico-aot-option");
    /** What the stand-in JDK's check accepts: a recording run's cache, written whole when it stopped. */
    private static final String WHOLE = "what the recording run wrote when it stopped";

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
        Files.writeString(cache, WHOLE);

        assertEquals("-XX:AOTCache=" + cache, option(cache.toString(), jdk, jar));
        assertEquals("-XX:AOTCache=" + cache, option(cache.toString(), jdk, jar), "and every run after it");
        assertEquals(1, checks().size(), "the JVM checked the cache once, at the first start with it: " + checks());
    }

    @Test
    void aCacheCutOffWhileWrittenIsRecordedAnew() throws Exception {
        Path jdk = jdk("25", "25.0.3+9-LTS");
        assertEquals("-XX:AOTCacheOutput=" + cache, option(cache.toString(), jdk, jar));
        Files.writeString(cache, "what the recording run had written when it was killed");
        Path jdkTemporary = Files.writeString(dir.resolve("portico.aot.config"), "the JDK's configuration file");

        assertEquals("-XX:AOTCacheOutput=" + cache, option(cache.toString(), jdk, jar));
        assertFalse(Files.exists(cache), "the JVM would write the new cache over it, but refuse it until then");
        assertFalse(Files.exists(jdkTemporary), "nor is the killed run's temporary file left behind");
        Files.writeString(cache, WHOLE);
        assertEquals("-XX:AOTCache=" + cache, option(cache.toString(), jdk, jar));
    }

    @Test
    void theCheckRunsWithTheOptionsOfTheRunLessThoseThatWouldAct() throws Exception {
        Path jdk = jdk("25", "25.0.3+9-LTS");
        Path lib = Files.createDirectory(dir.resolve("lib"));
        String operators = "-XX:-UseCompactObjectHeaders -Xlog:gc*:file=gc.log -javaagent:agent.jar "
                + "-agentpath:/opt/profiler.so -XX:StartFlightRecording:filename=portico.jfr";
        assertEquals("-XX:AOTCacheOutput=" + cache, option(cache.toString(), operators, jdk, jar, lib));
        Files.writeString(cache, WHOLE);

        assertEquals("-XX:AOTCache=" + cache, option(cache.toString(), operators, jdk, jar, lib));
        List<String> check = List.of(checks().getFirst().split(" "));
        assertTrue(check.contains("-XX:+UseG1GC") && check.contains("-XX:-UseCompactObjectHeaders"),
                "Portico's defaults and the operator's layout, under which the JVM would refuse another cache: "
                        + check);
        assertFalse(check.stream().anyMatch(option -> option.startsWith("-Xlog") || option.startsWith("-javaagent")
                || option.startsWith("-agentpath") || option.startsWith("-XX:StartFlightRecording")),
                "nothing that would write a log or a recording, or run an agent: " + check);
        assertTrue(check.containsAll(List.of("-XX:AOTMode=on", "-XX:AOTCache=" + cache, "-cp", jar + ":" + lib + "/*",
                "-version")), "the class path as the JVM is given it, a directory as its jars: " + check);
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
        Files.writeString(cache, WHOLE);
        assertEquals("-XX:AOTCache=" + cache, option(cache.toString(), "-Xmx64g", jdk, jar));
    }

    @Test
    void aCacheWithoutItsStampIsRecordedAnew() throws Exception {
        Files.writeString(cache, "a cache of unknown origin");

        assertEquals("-XX:AOTCacheOutput=" + cache, option(cache.toString(), jdk("25", "25.0.3+9-LTS"), jar));
    }

    /**
     * bin/portico reads the JVM's settings for the Java version and passes them on (PORTICO_JAVA_SETTINGS), so that
     * a start runs {@code java} once for them, not twice; the cache recorded so is the one a run that reads them
     * itself finds, and uses.
     */
    @Test
    void settingsTheCallerReadAreNotReadAgain() throws Exception {
        Path jdk = jdk("25", "25.0.3+9-LTS");
        String settings = settings("25", "25.0.3+9-LTS");

        assertEquals("-XX:AOTCacheOutput=" + cache, Scripts.output(Map.of("PORTICO_JAVA_OPTS", "",
                "PORTICO_JAVA_SETTINGS", settings), List.of(SCRIPT.toString(), cache.toString(),
                dir.resolve("no-such-java").toString(), jar.toString())).strip(), "no java started for them");
        Files.writeString(cache, WHOLE);

        assertEquals("-XX:AOTCache=" + cache, option(cache.toString(), jdk, jar), "the same stamp either way");
        assertEquals(1, checks().size(), checks().toString());
    }

    private Path stamp() {
        return dir.resolve("portico.aot.stamp");
    }

    /** A cache recorded by a run on {@code jdk} with the class path {@code jar}. */
    private void recorded(Path jdk) throws IOException, InterruptedException {
        assertEquals("-XX:AOTCacheOutput=" + cache, option(cache.toString(), jdk, jar));
        Files.writeString(cache, WHOLE);
        assertEquals("-XX:AOTCache=" + cache, option(cache.toString(), jdk, jar));
    }

    /** The command lines of the stand-in JDK's checks of a cache, one per check. */
    private List<String> checks() throws IOException {
        Path checks = dir.resolve("checks");
        return Files.exists(checks) ? Files.readAllLines(checks) : List.of();
    }

    /**
     * A stand-in for {@code java}: {@code -XshowSettings:properties -version} prints, on standard error as the JDK
     * does, the settings the script reads; a check of a cache ({@code -XX:AOTCache=FILE}) is written down in
     * {@link #checks} and passes when the file holds {@link #WHOLE}, as the JVM maps only a cache written whole.
     */
    private Path jdk(String specification, String runtimeVersion) throws IOException {
        Path java = dir.resolve("java-" + runtimeVersion);
        Files.writeString(java, """
                #!/bin/sh
                for argument in "$@"; do
                	case "$argument" in
                	-XX:AOTCache=*)
                		echo "$*" >>'%s'
                		[ "$(cat "${argument#-XX:AOTCache=}")" = '%s' ]
                		exit
                		;;
                	esac
                done
                cat >&2 <<'END'
                %sEND
                """.formatted(dir.resolve("checks"), WHOLE, settings(specification, runtimeVersion)));
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwx------"));
        return java;
    }

    /** What the stand-in JDK's {@code -XshowSettings:properties -version} prints, the lines the script reads. */
    private static String settings(String specification, String runtimeVersion) {
        return """
                Property settings:
                    java.home = /opt/jdk-%s
                    java.runtime.version = %s
                    java.specification.version = %s
                """.formatted(runtimeVersion, runtimeVersion, specification);
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
