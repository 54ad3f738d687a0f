package org.portico.load;

import java.io.PrintStream;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The generator's handler for exceptions that end a thread uncaught: counted by thread name and exception, and
 * reported once at the end of the run, each kind with the stack trace of its first occurrence.
 *
 * <p>Why not the JDK's default (a stack trace on standard error per thread): on JDK 25.0.3 a reader's socket closed
 * under it at the end of a turn can pass over the reader's catch block (JDK-8389310, docs/reliability.md), hundreds
 * of times in one run. One line per kind keeps the run's output readable; the first stack trace keeps a real bug in
 * the generator diagnosable. Thread-safe: any thread may end at any time, {@link #report} runs after the run.
 */
final class UncaughtTally implements Thread.UncaughtExceptionHandler {

    private record Kind(LongAdder count, Throwable first) {
    }

    /** Frames printed of each first stack trace: the generator's own frames are near the top. */
    static final int FRAMES = 20;
    /** Frames printed of each cause: where it was thrown; the frames it shares with the trace above add nothing. */
    static final int CAUSE_FRAMES = 5;
    /** Causes printed of each first exception: a wrapper's few, and a bound on a chain that loops. */
    static final int CAUSES = 5;

    private final Map<String, Kind> kinds = new ConcurrentHashMap<>();

    @Override
    public void uncaughtException(Thread thread, Throwable e) {
        kinds.computeIfAbsent(thread.getName() + ": " + e, key -> new Kind(new LongAdder(), e)).count().increment();
    }

    /**
     * One comment line per kind, then its first stack trace (its top {@link #FRAMES} frames) and the chain of its
     * causes (up to {@link #CAUSES}, {@link #CAUSE_FRAMES} frames each), each line a comment.
     */
    void report(PrintStream out) {
        kinds.forEach((what, kind) -> {
            out.println("# " + kind.count().sum() + " threads ended by an exception nothing caught: " + what);
            out.println("#   first: " + kind.first());
            frames(kind.first(), FRAMES, out);
            Throwable cause = kind.first().getCause();
            for (int n = 0; cause != null && n < CAUSES; n++, cause = cause.getCause()) {
                out.println("#   caused by: " + cause);
                frames(cause, CAUSE_FRAMES, out);
            }
            if (cause != null) {
                out.println("#   ... more causes");
            }
        });
    }

    private static void frames(Throwable e, int most, PrintStream out) {
        StackTraceElement[] frames = e.getStackTrace();
        for (int i = 0; i < Math.min(most, frames.length); i++) {
            out.println("#     at " + frames[i]);
        }
        if (frames.length > most) {
            out.println("#     ... " + (frames.length - most) + " more frames");
        }
    }
}
