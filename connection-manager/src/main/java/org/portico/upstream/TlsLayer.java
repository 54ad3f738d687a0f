package org.portico.upstream;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.Arrays;
import java.util.concurrent.ArrayBlockingQueue;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;

/**
 * The TLS layered on one upstream connection after {@code <proceed/>} (RFC 6120 §5.4.3.3), done by an
 * {@link SSLEngine} rather than an {@code SSLSocket}, so that an open TLS stream can be read by the
 * {@link UpstreamPoller} and written without waiting, as a plain one is, instead of keeping a thread parked in a
 * blocking read for its whole life. While the stream is negotiated (the handshake, our new header, the server's
 * opening) and for a stream whose session may wait, the layer works over the socket's blocking streams
 * ({@link #input}, {@link #output}); once the poller reads the connection, it {@link #unwrap unwraps} what the poller
 * read and the writer {@link #wrapAndWrite wraps} what it writes.
 *
 * <p>Threads: the engine runs a wrap and an unwrap at once safely, and orders each side itself. The reading side
 * ({@link #netIn}, {@link #appIn}, {@link #netLeft}) belongs to the stream's reader: its thread, then the poller's.
 * The writing side ({@link #netOut}, {@link #covered}) is guarded by this object's monitor, held by one write at a
 * time and never while waiting for the socket: by the writer, and by the reader when the server asks for a
 * handshake message of ours (a TLS 1.3 key update, a TLS 1.2 renegotiation), so every record goes out in the order
 * it was wrapped. Such a message that the socket cannot take at once goes out ahead of the writer's next bytes.
 *
 * <p>Memory: a stream read by the poller keeps only the engine, the start of a record whose rest has not come, and
 * records the socket has not taken yet; an idle one with an SSLSocket kept a parked reader thread and the socket's
 * record buffers (docs/benchmarks.md).
 */
final class TlsLayer {

    private static final byte[] EMPTY = new byte[0];
    /**
     * A wrap's output, borrowed for one wrap: the engine wants room for a whole record (about 17 kB) every time,
     * however few bytes it wraps; at most this many are kept between wraps.
     */
    private static final ArrayBlockingQueue<ByteBuffer> WRAP_BUFFERS = new ArrayBlockingQueue<>(64);

    private static final int NEGOTIATION_BUFFER_BYTES = 4096;

    private final SSLEngine engine;
    /** The socket's blocking streams, for the handshake and while the stream is read blocking. */
    private final InputStream rawIn;
    private final OutputStream rawOut;

    /** Blocking reads: records read and not yet unwrapped (read mode); null once the poller reads. */
    private ByteBuffer netIn;
    /** Blocking reads: application bytes unwrapped and not yet read (read mode); null once the poller reads. */
    private ByteBuffer appIn;
    /** Poller reads: the start of a record whose rest has not arrived. */
    private byte[] netLeft = EMPTY;

    /** Guarded by this: wrapped bytes not yet written, in order (read mode). */
    private ByteBuffer netOut = ByteBuffer.wrap(EMPTY);
    /**
     * Guarded by this: how many application bytes at the start of the writer's next write are in {@link #netOut}
     * already, wrapped by a write that could not send their whole record; they are skipped once it is sent.
     */
    private int covered;

    /**
     * @param engine in client mode, not yet handshaking
     * @param rawIn  the plain socket's stream, which times out as the socket says
     * @param rawOut the plain socket's stream
     */
    TlsLayer(SSLEngine engine, InputStream rawIn, OutputStream rawOut) {
        this.engine = engine;
        this.rawIn = rawIn;
        this.rawOut = rawOut;
        // what negotiation reads is a few records of a few kB; a larger record grows these to the engine's sizes
        this.netIn = ByteBuffer.allocate(NEGOTIATION_BUFFER_BYTES).flip();
        this.appIn = ByteBuffer.allocate(NEGOTIATION_BUFFER_BYTES).flip();
    }

    /** Runs the handshake over the socket's blocking streams. */
    void handshake() throws IOException {
        engine.beginHandshake();
        while (true) {
            switch (engine.getHandshakeStatus()) {
                case NEED_WRAP -> wrapHandshake();
                case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> {
                    if (!unwrapBlocking()) {
                        throw new EOFException("the server closed the connection during the TLS handshake");
                    }
                }
                case NEED_TASK -> runTasks();
                case FINISHED, NOT_HANDSHAKING -> {
                    return;
                }
            }
        }
    }

    /** The application bytes, read blocking from the socket's stream. */
    InputStream input() {
        return new InputStream() {
            @Override
            public int read(byte[] into, int offset, int length) throws IOException {
                if (length == 0) {
                    return 0;
                }
                while (!appIn.hasRemaining()) {
                    if (!unwrapBlocking()) {
                        return -1;
                    }
                    answerHandshake(TlsLayer.this::wrapHandshake);
                }
                int n = Math.min(length, appIn.remaining());
                appIn.get(into, offset, n);
                return n;
            }

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
            }
        };
    }

    /** The application bytes, written blocking to the socket's stream. */
    OutputStream output() {
        return new OutputStream() {
            @Override
            public void write(byte[] bytes, int offset, int length) throws IOException {
                synchronized (TlsLayer.this) {
                    ByteBuffer source = ByteBuffer.wrap(bytes, offset, length);
                    do {
                        wrapInto(source);
                    } while (source.hasRemaining());
                }
            }

            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }
        };
    }

    /**
     * The poller reads from now on: hands over the application bytes the blocking side unwrapped and nobody read
     * yet, and keeps the records it read and did not unwrap for {@link #unwrap}.
     */
    byte[] readWithoutWaiting() {
        byte[] unread = new byte[appIn.remaining()];
        appIn.get(unread);
        netLeft = netIn.hasRemaining() ? Arrays.copyOfRange(netIn.array(), netIn.position(), netIn.limit()) : EMPTY;
        netIn = null;
        appIn = null;
        return unread;
    }

    /** Where {@link #unwrap} puts application bytes. */
    interface Plaintext {
        /** Room for at least {@code bytes} more octets, positioned where they go. */
        ByteBuffer room(int bytes);

        /** {@code bytes} octets were put into the last room given. */
        void added(int bytes);
    }

    /**
     * The poller's thread: reads what the non-blocking channel has into {@code scratch}, after the start of a record
     * kept from the last read, and unwraps every whole record into {@code into}.
     *
     * @return false at the end of the connection or of TLS (the server's close_notify)
     */
    boolean unwrap(SocketChannel channel, ByteBuffer scratch, Plaintext into) throws IOException {
        scratch.clear();
        scratch.put(netLeft);
        netLeft = EMPTY;
        int read = channel.read(scratch);
        scratch.flip();
        int room = Math.max(scratch.remaining(), 1024);
        while (scratch.hasRemaining()) {
            ByteBuffer plain = into.room(room);
            SSLEngineResult result = engine.unwrap(scratch, plain);
            into.added(result.bytesProduced());
            switch (result.getStatus()) {
                case OK -> {
                    if (engine.getHandshakeStatus() != SSLEngineResult.HandshakeStatus.NOT_HANDSHAKING) {
                        answerHandshake(() -> sendHandshakeWithoutWaiting(channel));
                    }
                }
                case BUFFER_OVERFLOW -> room = engine.getSession().getApplicationBufferSize();
                case BUFFER_UNDERFLOW -> {
                    netLeft = new byte[scratch.remaining()];
                    scratch.get(netLeft);
                }
                case CLOSED -> {
                    return false;
                }
            }
        }
        return read >= 0;
    }

    /** Sends one handshake message of ours, wrapped from nothing. */
    private interface HandshakeMessage {
        void send() throws IOException;
    }

    /**
     * After a record: what a TLS 1.3 key update or a renegotiation asks of us, done at once: tasks run, and each
     * message of ours sent by {@code message}, ahead of any application bytes wrapped later.
     */
    private void answerHandshake(HandshakeMessage message) throws IOException {
        SSLEngineResult.HandshakeStatus status = engine.getHandshakeStatus();
        while (status == SSLEngineResult.HandshakeStatus.NEED_TASK
                || status == SSLEngineResult.HandshakeStatus.NEED_WRAP) {
            if (status == SSLEngineResult.HandshakeStatus.NEED_TASK) {
                runTasks();
            } else {
                message.send();
            }
            status = engine.getHandshakeStatus();
        }
    }

    /** The poller's thread: what the socket does not take now goes out ahead of the writer's next bytes. */
    private synchronized void sendHandshakeWithoutWaiting(SocketChannel channel) throws IOException {
        wrapAndSend(ByteBuffer.wrap(EMPTY), channel);
    }

    /**
     * Writes as much of {@code bytes[offset..]} as the non-blocking channel takes at once: first the records wrapped
     * before and not yet sent, then one record at a time.
     *
     * @return how many application octets went out whole; the rest, given again from there, is written on the next
     *         call, which skips what of it was wrapped already
     */
    synchronized int wrapAndWrite(SocketChannel channel, byte[] bytes, int offset) throws IOException {
        if (!flush(channel)) {
            return 0;
        }
        int taken = Math.min(covered, bytes.length - offset);
        covered = 0;
        ByteBuffer source = ByteBuffer.wrap(bytes, offset + taken, bytes.length - offset - taken);
        while (source.hasRemaining()) {
            int before = source.position();
            boolean sent = wrapAndSend(source, channel);
            int wrapped = source.position() - before;
            if (!sent) {
                covered = wrapped;
                return taken;
            }
            taken += wrapped;
        }
        return taken;
    }

    /** Under the monitor: writes what {@link #netOut} holds as far as the channel takes it. @return all written */
    private boolean flush(SocketChannel channel) throws IOException {
        return writeAll(channel, netOut);
    }

    /** Writes {@code bytes} as far as the non-blocking channel takes them. @return whether all went */
    private static boolean writeAll(SocketChannel channel, ByteBuffer bytes) throws IOException {
        while (bytes.hasRemaining()) {
            if (channel.write(bytes) == 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * Under the monitor: wraps one record of {@code source} and sends it after what waits in {@link #netOut},
     * keeping there what the channel does not take.
     *
     * @return whether everything wrapped so far went out
     */
    private boolean wrapAndSend(ByteBuffer source, SocketChannel channel) throws IOException {
        ByteBuffer record = borrow();
        try {
            wrap(source, record);
            record.flip();
            if (!netOut.hasRemaining() && writeAll(channel, record)) {
                return true;
            }
            byte[] waiting = new byte[netOut.remaining() + record.remaining()];
            int before = netOut.remaining();
            netOut.get(waiting, 0, before);
            record.get(waiting, before, record.remaining());
            netOut = ByteBuffer.wrap(waiting);
        } finally {
            giveBack(record);
        }
        return flush(channel);
    }

    /** Under the monitor: wraps one record of {@code source} and writes it to the blocking stream. */
    private void wrapInto(ByteBuffer source) throws IOException {
        ByteBuffer record = borrow();
        try {
            wrap(source, record);
            rawOut.write(record.array(), 0, record.position());
            rawOut.flush();
        } finally {
            giveBack(record);
        }
    }

    private void wrapHandshake() throws IOException {
        synchronized (this) {
            wrapInto(ByteBuffer.wrap(EMPTY));
        }
    }

    private void wrap(ByteBuffer source, ByteBuffer record) throws SSLException {
        SSLEngineResult result = engine.wrap(source, record);
        if (result.getStatus() != SSLEngineResult.Status.OK) {
            throw new SSLException("TLS wrap " + result.getStatus());
        }
        if (result.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NEED_TASK) {
            runTasks();
        }
    }

    /**
     * Reads blocking until one record is unwrapped: application bytes, or a step of the handshake.
     *
     * @return false at the end of the connection or of TLS
     */
    private boolean unwrapBlocking() throws IOException {
        while (true) {
            appIn.compact();
            SSLEngineResult result;
            try {
                result = engine.unwrap(netIn, appIn);
            } finally {
                appIn.flip();
            }
            switch (result.getStatus()) {
                case OK -> {
                    return true;
                }
                case BUFFER_OVERFLOW -> appIn = grow(appIn, engine.getSession().getApplicationBufferSize());
                case BUFFER_UNDERFLOW -> {
                    netIn.compact();
                    if (!netIn.hasRemaining()) {
                        netIn = grow(netIn.flip(), engine.getSession().getPacketBufferSize()).compact();
                    }
                    int read = rawIn.read(netIn.array(), netIn.position(), netIn.remaining());
                    if (read > 0) {
                        netIn.position(netIn.position() + read);
                    }
                    netIn.flip();
                    if (read < 0) {
                        return false;
                    }
                }
                case CLOSED -> {
                    return false;
                }
            }
        }
    }

    private void runTasks() {
        Runnable task;
        while ((task = engine.getDelegatedTask()) != null) {
            task.run();
        }
    }

    /** A buffer in read mode with the same content and room for {@code size} octets in all. */
    private static ByteBuffer grow(ByteBuffer buffer, int size) {
        ByteBuffer bigger = ByteBuffer.allocate(Math.max(size, buffer.capacity() * 2));
        bigger.put(buffer);
        return bigger.flip();
    }

    private ByteBuffer borrow() {
        ByteBuffer buffer = WRAP_BUFFERS.poll();
        int size = engine.getSession().getPacketBufferSize();
        if (buffer == null || buffer.capacity() < size) {
            return ByteBuffer.allocate(size);
        }
        return buffer.clear();
    }

    private static void giveBack(ByteBuffer buffer) {
        WRAP_BUFFERS.offer(buffer); // dropped when the pool is full
    }
}
