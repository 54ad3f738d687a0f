package org.portico.testing;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import org.slf4j.LoggerFactory;

/**
 * Records, for every log event, which kind of thread logged it, seen from that thread while it logs: whether Jetty's
 * selector loop itself was running the work (its produce-consume mode, {@code AdaptiveExecutionStrategy.pcRunTask},
 * which Jetty uses only for a read callback that says it never blocks), and whether the thread is virtual. A
 * thread's name does not tell the first: in its execute-produce-consume mode Jetty runs blocking work on the
 * {@code portico-http-*} thread that was selecting, after handing the selecting to another.
 */
public final class LoggingThreads extends AppenderBase<ILoggingEvent> implements AutoCloseable {

    /** The frame of Jetty's selector loop that runs a non-blocking task on the selecting thread itself. */
    private static final String PRODUCE_CONSUME = "pcRunTask";

    /** One event: its logger, its message, and the thread that logged it. */
    public record Logged(String logger, String message, boolean bySelectorLoop, boolean virtual) {
    }

    private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    private final List<Logged> events = new CopyOnWriteArrayList<>();

    private LoggingThreads() {
    }

    /** Starts recording every event of the process, until {@link #close}. */
    public static LoggingThreads recording() {
        LoggingThreads recorder = new LoggingThreads();
        recorder.setContext(recorder.root.getLoggerContext());
        recorder.start();
        recorder.root.addAppender(recorder);
        return recorder;
    }

    @Override
    protected void append(ILoggingEvent event) {
        boolean bySelectorLoop = Arrays.stream(Thread.currentThread().getStackTrace())
                .anyMatch(frame -> frame.getMethodName().equals(PRODUCE_CONSUME));
        events.add(new Logged(event.getLoggerName(), event.getFormattedMessage(), bySelectorLoop,
                Thread.currentThread().isVirtual()));
    }

    /** The first event on the {@code portico.wire} logger that starts with {@code prefix} and holds {@code text}. */
    public Logged wire(String prefix, String text) {
        return first(e -> e.logger().equals("portico.wire") && e.message().startsWith(prefix)
                && e.message().contains(text))
                .orElseThrow(() -> new AssertionError("nothing '" + prefix + "…" + text + "…' on the wire log"));
    }

    /** Every recorded event that matches, in the order logged. */
    public List<Logged> all(Predicate<Logged> which) {
        return events.stream().filter(which).toList();
    }

    private Optional<Logged> first(Predicate<Logged> which) {
        return events.stream().filter(which).findFirst();
    }

    @Override
    public void close() {
        root.detachAppender(this);
        stop();
    }
}
