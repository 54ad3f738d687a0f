package org.portico.load;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Iterator;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The least any relay can spend on a message: one thread, one selector, bytes copied between each client and its
 * own connection to the XMPP server without being looked at. The target {@code c2s-relay} runs the c2s floor's
 * clients through it, so its CPU per message is what the system calls of relaying (a read and a write each way,
 * and the selector's wait) cost on this machine; Portico's own figure compares with that, not with zero.
 *
 * <p>Run as its own process by scripts/bench-load.sh: {@code TcpRelay LISTEN_PORT UPSTREAM_PORT}, both on
 * 127.0.0.1. A write the peer cannot take yet is kept and the other side is not read until it has gone, so a slow
 * reader holds back its own writer and nobody else. Everything here belongs to the thread in {@link #run()}, except
 * the flag {@link #close()} sets.
 */
final class TcpRelay implements AutoCloseable {

    private static final int BUFFER_BYTES = 16 * 1024;

    private final Selector selector;
    private final ServerSocketChannel listener;
    private final InetSocketAddress upstream;
    /** Every read lands here first; only what a peer could not take is copied out of it. */
    private final ByteBuffer readBuffer = ByteBuffer.allocateDirect(BUFFER_BYTES);
    private volatile boolean closed;
    /** Writes a peer could not take at once: how often the relay held a reader back (read by tests). */
    private final AtomicLong keptWrites = new AtomicLong();

    /** Listens on 127.0.0.1:{@code listenPort} (0: any free port) and relays to 127.0.0.1:{@code upstreamPort}. */
    TcpRelay(int listenPort, int upstreamPort) throws IOException {
        selector = Selector.open();
        listener = ServerSocketChannel.open();
        listener.bind(new InetSocketAddress("127.0.0.1", listenPort), 1024);
        listener.configureBlocking(false);
        listener.register(selector, SelectionKey.OP_ACCEPT);
        upstream = new InetSocketAddress("127.0.0.1", upstreamPort);
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: TcpRelay LISTEN_PORT UPSTREAM_PORT");
            System.exit(2);
        }
        new TcpRelay(Integer.parseInt(args[0]), Integer.parseInt(args[1])).run();
    }

    long keptWrites() {
        return keptWrites.get();
    }

    int port() throws IOException {
        return ((InetSocketAddress) listener.getLocalAddress()).getPort();
    }

    /** Relays until {@link #close()}, then closes the listener and every relayed connection. */
    void run() throws IOException {
        try {
            relay();
        } finally {
            for (SelectionKey key : selector.keys()) {
                key.channel().close();
            }
            selector.close();
        }
    }

    private void relay() throws IOException {
        while (!closed) {
            selector.select();
            for (Iterator<SelectionKey> keys = selector.selectedKeys().iterator(); keys.hasNext(); ) {
                SelectionKey key = keys.next();
                keys.remove();
                if (!key.isValid()) {
                    continue;
                }
                if (key.isAcceptable()) {
                    accept();
                    continue;
                }
                End end = (End) key.attachment();
                try {
                    if (key.isWritable()) {
                        end.flush();
                    }
                    if (key.isValid() && key.isReadable()) {
                        end.pump();
                    }
                } catch (IOException | CancelledKeyException e) {
                    end.closeBoth();
                }
            }
        }
    }

    /** Makes {@link #run()} return; any thread may call it. */
    @Override
    public void close() {
        closed = true;
        selector.wakeup();
    }

    private void accept() throws IOException {
        SocketChannel client = listener.accept();
        if (client == null) {
            return;
        }
        SocketChannel server;
        try {
            // a blocking connect on loopback: the relay measures relaying, and logins are not timed by it
            server = SocketChannel.open(upstream);
        } catch (IOException e) {
            client.close();
            return;
        }
        End clientEnd = new End(client);
        End serverEnd = new End(server);
        clientEnd.peer = serverEnd;
        serverEnd.peer = clientEnd;
        clientEnd.register();
        serverEnd.register();
    }

    /** One socket of a pair: what is read from it is written to its peer; what its peer could not take waits. */
    private final class End {
        private final SocketChannel channel;
        private SelectionKey key;
        private End peer;
        /** Bytes read from the peer that this end's socket has not taken yet, or null. */
        private ByteBuffer unwritten;

        End(SocketChannel channel) {
            this.channel = channel;
        }

        void register() throws IOException {
            channel.configureBlocking(false);
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            key = channel.register(selector, SelectionKey.OP_READ, this);
        }

        /** Reads what is there and hands it to the peer. */
        void pump() throws IOException {
            readBuffer.clear();
            if (channel.read(readBuffer) < 0) {
                closeBoth();
                return;
            }
            readBuffer.flip();
            peer.channel.write(readBuffer);
            if (readBuffer.hasRemaining()) {
                keptWrites.incrementAndGet();
                peer.unwritten = ByteBuffer.allocate(readBuffer.remaining()).put(readBuffer).flip();
                key.interestOps(key.interestOps() & ~SelectionKey.OP_READ);
                peer.key.interestOps(peer.key.interestOps() | SelectionKey.OP_WRITE);
            }
        }

        /** Writes what waited; once it has all gone, the peer is read again. */
        void flush() throws IOException {
            channel.write(unwritten);
            if (!unwritten.hasRemaining()) {
                unwritten = null;
                key.interestOps(key.interestOps() & ~SelectionKey.OP_WRITE);
                peer.key.interestOps(peer.key.interestOps() | SelectionKey.OP_READ);
            }
        }

        void closeBoth() {
            closeQuietly(channel);
            closeQuietly(peer.channel);
        }

        private static void closeQuietly(SocketChannel channel) {
            try {
                channel.close();
            } catch (IOException e) {
                // closing after a failure: nothing left to save
            }
        }
    }
}
