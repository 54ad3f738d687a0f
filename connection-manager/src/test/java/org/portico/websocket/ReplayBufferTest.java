package org.portico.websocket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.portico.xml.XmlElement;

/** The replay buffer behind resumption: numbering, sliding while attached, pinning while detached. */
class ReplayBufferTest {

    private static XmlElement element(int n) {
        return XmlElement.of("jabber:client", "message").withAttribute("id", "m" + n);
    }

    private static ReplayBuffer filled(int maxElements, int count) {
        ReplayBuffer buffer = new ReplayBuffer(maxElements, 1 << 20);
        for (int i = 1; i <= count; i++) {
            assertTrue(buffer.append(element(i), "f" + i));
        }
        return buffer;
    }

    @ParameterizedTest(name = "5 framed, 3 kept, client has {0}: {1}")
    @CsvSource(nullValues = "none", textBlock = """
            5,  ''
            4,  f5
            2,  f3 f4 f5
            1,  none
            0,  none
            6,  none
            -1, none
            """)
    void theFramesAfterTheClientsCountAreReplayedWhenStillKept(long h, String expected) {
        ReplayBuffer buffer = filled(3, 5);

        Optional<List<String>> frames = buffer.framesAfter(h);

        if (expected == null) {
            assertTrue(frames.isEmpty(), "cannot replay from " + h + ": " + frames);
        } else {
            assertEquals(expected.isEmpty() ? List.of() : List.of(expected.split(" ")), frames.orElseThrow());
        }
    }

    @Test
    void anEmptyBufferReplaysNothingFromZero() {
        ReplayBuffer buffer = new ReplayBuffer(3, 1024);

        assertEquals(List.of(), buffer.framesAfter(0).orElseThrow());
        assertEquals(0, buffer.last());
    }

    @Test
    void whileAttachedTheOldestMakeRoomByBytesToo() {
        ReplayBuffer buffer = new ReplayBuffer(100, 10);
        buffer.append(element(1), "aaaa");
        buffer.append(element(2), "bbbb");
        buffer.append(element(3), "cccc");

        assertEquals(List.of("bbbb", "cccc"), buffer.framesAfter(1).orElseThrow());
        assertTrue(buffer.framesAfter(0).isEmpty());
    }

    @Test
    void whilePinnedOnlyElementsFromBeforeTheDropMakeRoom() {
        ReplayBuffer buffer = filled(3, 2);
        buffer.pin();

        assertTrue(buffer.append(element(3), "f3"));
        assertTrue(buffer.append(element(4), "f4"), "f1, sent before the drop, makes room");
        assertTrue(buffer.append(element(5), "f5"), "f2 too");
        assertFalse(buffer.append(element(6), "f6"), "only never-sent elements are left: overflow");
        assertEquals(List.of(element(3), element(4), element(5)), buffer.unsent());
    }

    @Test
    void unpinningLetsTheBufferSlideAgain() {
        ReplayBuffer buffer = filled(2, 1);
        buffer.pin();
        buffer.append(element(2), "f2");
        buffer.unpin();

        assertTrue(buffer.append(element(3), "f3"));
        assertTrue(buffer.append(element(4), "f4"));
        assertEquals(List.of(), buffer.unsent(), "nothing is unsent once a socket is attached");
    }

    @Test
    void anElementLargerThanTheBufferIsSentLiveButCannotBeReplayed() {
        ReplayBuffer buffer = new ReplayBuffer(10, 8);
        buffer.append(element(1), "small");

        assertTrue(buffer.append(element(2), "far too large"));
        assertEquals(2, buffer.last());
        assertEquals(List.of(), buffer.framesAfter(2).orElseThrow());
        assertTrue(buffer.framesAfter(1).isEmpty());
        buffer.pin();
        assertFalse(buffer.append(element(3), "far too large"), "while paused it cannot be kept: overflow");
    }

    @ParameterizedTest
    @CsvSource({"abc, 3", "é, 2", "€, 3", "😀, 4", "a😀é, 7"})
    void theByteBudgetCountsUtf8Octets(String text, int bytes) {
        ReplayBuffer exact = new ReplayBuffer(10, bytes);
        exact.pin();
        assertTrue(exact.append(element(1), text), "a frame of exactly the budget's octets is kept");
        ReplayBuffer smaller = new ReplayBuffer(10, bytes - 1);
        smaller.pin();
        assertFalse(smaller.append(element(1), text), "one octet less and it cannot be kept");
    }
}
