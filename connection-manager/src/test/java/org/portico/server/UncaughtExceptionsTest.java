package org.portico.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.portico.testing.LogCapture;

/** What no code caught is one ERROR line in Portico's log, with the thread and the stack trace, not standard error. */
class UncaughtExceptionsTest {

    @Test
    void anExceptionThatEndsAVirtualThreadIsOneErrorLineNamingTheThread() throws Exception {
        try (LogCapture log = LogCapture.start()) {
            Thread thread = Thread.ofVirtual().name("upstream-writer, played")
                    .uncaughtExceptionHandler(new UncaughtExceptions())
                    .start(() -> {
                        throw new IllegalStateException("a bug in a task");
                    });
            thread.join();

            List<ILoggingEvent> errors = log.events().stream().filter(e -> e.getLevel() == Level.ERROR).toList();
            assertEquals(List.of("thread upstream-writer, played ended by an exception nothing caught: "
                    + "java.lang.IllegalStateException: a bug in a task"),
                    errors.stream().map(ILoggingEvent::getFormattedMessage).toList());
            assertEquals(IllegalStateException.class.getName(), errors.get(0).getThrowableProxy().getClassName(),
                    "the stack trace goes with the line");
        }
    }
}
