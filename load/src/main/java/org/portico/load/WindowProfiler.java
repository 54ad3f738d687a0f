package org.portico.load;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Profiles a Portico for exactly one measured window ({@code --profile}): started through {@code jcmd} when the
 * window's measurement begins and stopped when it ends, so that the logins, the warm-up and the compiler's first
 * minute stay out of it. Two kinds:
 * <ul>
 * <li>{@code jfr}: a JFR recording with the JDK's {@code profile} settings, written as {@code <prefix>.jfr};</li>
 * <li>{@code cpu:<libasyncProfiler.so>}: async-profiler's CPU samples every 200 µs, kernel stacks included (JFR's
 * sampler stops at the Java frame that makes a system call), written as collapsed stacks
 * ({@code <prefix>.collapsed}) and summed by {@link ProfileGroups}. The Portico needs
 * {@code -XX:+EnableDynamicAgentLoading}, which {@code scripts/bench-load.sh --profile=cpu} gives it.</li>
 * </ul>
 * A failed {@code jcmd} is reported in the row, never fatal: the window's figures stand without the profile.
 */
final class WindowProfiler {

    /** What jcmd prints after loading an agent: its {@code Agent_OnAttach}'s result, 0 when it started. */
    private static final Pattern AGENT_RETURN_CODE = Pattern.compile("return code: (-?\\d+)");
    /** How long one {@code jcmd} may take before the profile is given up. */
    private static final long JCMD_SECONDS = 60;

    /** async-profiler's library for a CPU profile; null for JFR. */
    private final Path library;

    private WindowProfiler(Path library) {
        this.library = library;
    }

    /** {@code jfr} or {@code cpu:<path of libasyncProfiler.so>}; refused otherwise. */
    static WindowProfiler parse(String spec) {
        if (spec.equals("jfr")) {
            return new WindowProfiler(null);
        }
        if (spec.startsWith("cpu:")) {
            Path library = Path.of(spec.substring(4));
            if (!Files.isRegularFile(library)) {
                throw new IllegalArgumentException("--profile=cpu: no async-profiler library at " + library);
            }
            return new WindowProfiler(library);
        }
        throw new IllegalArgumentException("--profile must be jfr or cpu:<libasyncProfiler.so>, got '" + spec + "'");
    }

    /**
     * Starts profiling each Portico the target goes through, as its measured window begins; a failure is noted in
     * the row ({@code profile_error}) and the window goes on without the profile.
     */
    void startWindow(Target target, Map<String, Object> row) {
        for (Target.Watched portico : porticos(target)) {
            try {
                start(portico.pid());
            } catch (IOException e) {
                row.put("profile_error", e.getMessage());
            }
        }
    }

    /**
     * Stops what {@link #startWindow} started, writes each profile beside the JSON lines ({@code <jsonl name>-<server>-
     * <target>-w<window>[-<pid>]}) and names the files in the row ({@code portico_profile}); for CPU profiles also the
     * share of each group ({@code portico_profile_groups}, one list per Portico).
     */
    void stopWindow(Target target, long window, Path jsonl, Map<String, Object> row) {
        List<Target.Watched> porticos = porticos(target);
        if (porticos.isEmpty() || row.containsKey("profile_error")) {
            return;
        }
        String name = jsonl.getFileName().toString().replaceFirst("\\.jsonl$", "") + "-" + target.server() + "-"
                + target.kind().label + "-w" + window;
        List<String> files = new ArrayList<>();
        List<String> groups = new ArrayList<>();
        for (Target.Watched portico : porticos) {
            Path file = output(jsonl.resolveSibling(name + (porticos.size() > 1 ? "-" + portico.pid() : "")));
            try {
                stop(portico.pid(), file);
                files.add(file.toString());
                if (library != null) {
                    groups.add(ProfileGroups.describe(ProfileGroups.of(file)));
                }
            } catch (IOException | UncheckedIOException e) {
                row.put("profile_error", e.getMessage());
            }
        }
        row.put("portico_profile", String.join(" ", files));
        if (!groups.isEmpty()) {
            row.put("portico_profile_groups", String.join(" | ", groups));
        }
    }

    private static List<Target.Watched> porticos(Target target) {
        return target.watched().stream().filter(watched -> watched.role().equals("portico")).toList();
    }

    /** The file {@link #stop} writes for a window whose files are named {@code prefix}. */
    Path output(Path prefix) {
        return prefix.resolveSibling(prefix.getFileName() + (library != null ? ".collapsed" : ".jfr"));
    }

    void start(long pid) throws IOException {
        if (library != null) {
            agent(pid, "start,event=cpu,interval=200us");
        } else {
            jcmd(pid, "JFR.start", "name=bench-window", "settings=profile");
        }
    }

    /** Stops the profile started by {@link #start} and writes it to {@code file}. */
    void stop(long pid, Path file) throws IOException {
        if (library != null) {
            agent(pid, "stop,file=" + file + ",collapsed");
        } else {
            jcmd(pid, "JFR.stop", "name=bench-window", "filename=" + file);
        }
        if (!Files.isRegularFile(file)) {
            throw new IOException("the profiler wrote no " + file);
        }
    }

    /**
     * Hands async-profiler a command. jcmd reads {@code a=b} as an option of its own, so the agent's options go in
     * quotes; and it exits with 0 even when the library did not load, so only the agent's own return code counts.
     */
    private void agent(long pid, String options) throws IOException {
        String said = jcmd(pid, "JVMTI.agent_load", library.toString(), "\"" + options + "\"");
        Matcher code = AGENT_RETURN_CODE.matcher(said);
        if (!code.find() || !code.group(1).equals("0")) {
            throw new IOException("async-profiler at " + library + " did not take '" + options + "': "
                    + said.replace('\n', ' '));
        }
    }

    /** Runs jcmd against {@code pid}; returns what it printed. */
    private static String jcmd(long pid, String... command) throws IOException {
        List<String> line = new ArrayList<>();
        line.add(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString());
        line.add(Long.toString(pid));
        line.addAll(List.of(command));
        Process process = new ProcessBuilder(line).redirectErrorStream(true).start();
        try {
            if (!process.waitFor(JCMD_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException("jcmd " + command[0] + " took over " + JCMD_SECONDS + " s");
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted waiting for jcmd " + command[0], e);
        }
        String said = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (process.exitValue() != 0 || said.contains("Exception")) {
            throw new IOException("jcmd " + String.join(" ", command) + ": " + said.replace('\n', ' '));
        }
        return said;
    }
}
