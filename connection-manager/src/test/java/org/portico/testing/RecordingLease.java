package org.portico.testing;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.portico.session.SessionLease;

/** A session lease in a unit test: records each change as {@code busy}, {@code idle <seconds>} or {@code end}. */
public final class RecordingLease implements SessionLease {

    private final List<String> changes = new CopyOnWriteArrayList<>();

    @Override
    public void busy() {
        changes.add("busy");
    }

    @Override
    public void idleFor(Duration duration) {
        changes.add("idle " + duration.toSeconds());
    }

    @Override
    public void end() {
        changes.add("end");
    }

    /** Every change so far, oldest first. */
    public List<String> changes() {
        return changes;
    }

    /** The latest change; fails when there was none. */
    public String last() {
        if (changes.isEmpty()) {
            throw new AssertionError("the lease never changed");
        }
        return changes.get(changes.size() - 1);
    }
}
