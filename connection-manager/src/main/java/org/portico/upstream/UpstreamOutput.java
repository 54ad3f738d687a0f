package org.portico.upstream;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SocketChannel;

/**
 * Where the {@link UpstreamWriter} puts an open stream's bytes: a blocking socket's stream (a stream whose session
 * reads on its own thread), or a non-blocking socket watched by the {@link UpstreamPoller}, plain or TLS, which can
 * also take bytes without waiting, so the thread that relays a client's message can write it itself.
 */
sealed interface UpstreamOutput {

    /** Writes all of {@code bytes[offset..]}, waiting while the socket has no room. */
    void write(byte[] bytes, int offset) throws IOException;

    /**
     * Writes as much of {@code bytes[offset..]} as the socket takes at once, without waiting.
     *
     * @return how many octets it took
     * @throws UnsupportedOperationException when only blocking writes are possible ({@link #writesWithoutWaiting})
     */
    int writeNow(byte[] bytes, int offset) throws IOException;

    /** Whether {@link #writeNow} is possible. */
    boolean writesWithoutWaiting();

    /** A blocking socket's output stream. */
    record Blocking(OutputStream out) implements UpstreamOutput {

        @Override
        public void write(byte[] bytes, int offset) throws IOException {
            out.write(bytes, offset, bytes.length - offset);
            out.flush();
        }

        @Override
        public int writeNow(byte[] bytes, int offset) {
            throw new UnsupportedOperationException("a blocking socket cannot be written without waiting");
        }

        @Override
        public boolean writesWithoutWaiting() {
            return false;
        }
    }

    /** A non-blocking socket: a writer that must wait parks until the poller sees room. */
    record NonBlocking(SocketChannel channel, UpstreamPoller poller, UpstreamPoller.Watched watched)
            implements UpstreamOutput {

        @Override
        public void write(byte[] bytes, int offset) throws IOException {
            ByteBuffer buffer = ByteBuffer.wrap(bytes, offset, bytes.length - offset);
            while (buffer.hasRemaining()) {
                if (channel.write(buffer) == 0) {
                    awaitWritable(poller, watched);
                }
            }
        }

        @Override
        public int writeNow(byte[] bytes, int offset) throws IOException {
            return channel.write(ByteBuffer.wrap(bytes, offset, bytes.length - offset));
        }

        @Override
        public boolean writesWithoutWaiting() {
            return true;
        }
    }

    /**
     * A non-blocking socket with TLS: each write is wrapped into records first ({@link TlsLayer#wrapAndWrite}); a
     * writer that must wait parks until the poller sees room.
     */
    record TlsNonBlocking(SocketChannel channel, UpstreamPoller poller, UpstreamPoller.Watched watched, TlsLayer tls)
            implements UpstreamOutput {

        @Override
        public void write(byte[] bytes, int offset) throws IOException {
            int at = offset + tls.wrapAndWrite(channel, bytes, offset);
            while (at < bytes.length) {
                awaitWritable(poller, watched);
                at += tls.wrapAndWrite(channel, bytes, at);
            }
        }

        @Override
        public int writeNow(byte[] bytes, int offset) throws IOException {
            return tls.wrapAndWrite(channel, bytes, offset);
        }

        @Override
        public boolean writesWithoutWaiting() {
            return true;
        }
    }

    /** Parks until the poller sees room in the socket. */
    private static void awaitWritable(UpstreamPoller poller, UpstreamPoller.Watched watched) throws IOException {
        try {
            if (!poller.awaitWritable(watched)) {
                throw new ClosedChannelException();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted waiting for the upstream socket");
        }
    }
}
