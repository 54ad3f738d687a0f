package org.portico.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * An in-process XMPP server on 127.0.0.1 for unit tests, driven step by step from the test thread: accept a
 * connection, expect text from the client, send scripted XML, switch to TLS after {@code <proceed/>}, close. It
 * checks nothing by itself: each {@link Peer#expect} names what the test requires next, so scripts read like the
 * exchanges in RFC 6120 §9.
 *
 * <p>TLS uses the test certificate for {@code localhost} in {@code src/test/resources/tls/} (see the README there);
 * {@link #TRUST_PEM} and {@link #TRUST_PKCS12} are the matching trust stores for the client side.
 *
 * <p>Every wait is bounded by {@link #TIMEOUT} and fails with an {@link AssertionError} that shows what arrived.
 */
public final class ScriptedXmppServer implements AutoCloseable {

    public static final Duration TIMEOUT = Duration.ofSeconds(10);
    /** Password of the test key store and of {@link #TRUST_PKCS12}. */
    public static final String PASSWORD = "portico";
    public static final Path KEYSTORE = resource("tls/localhost.p12");
    public static final Path TRUST_PEM = resource("tls/localhost.crt");
    public static final Path TRUST_PKCS12 = resource("tls/truststore.p12");

    public static final String FEATURES_STARTTLS = "<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'>"
            + "<required/></starttls></stream:features>";
    public static final String FEATURES_SASL = "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>"
            + "<mechanism>PLAIN</mechanism></mechanisms></stream:features>";
    public static final String FEATURES_BIND =
            "<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>";
    public static final String PROCEED = "<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>";
    public static final String CLOSING_TAG = "</stream:stream>";

    private final ServerSocket server;
    private final List<Peer> peers = new CopyOnWriteArrayList<>();

    /** Listens on an ephemeral loopback port with the system's socket buffers. */
    public ScriptedXmppServer() throws IOException {
        this(0);
    }

    /** @param receiveBufferSize bytes the kernel may buffer for a peer that does not read; 0 for the default */
    public ScriptedXmppServer(int receiveBufferSize) throws IOException {
        server = new ServerSocket();
        if (receiveBufferSize > 0) {
            server.setReceiveBufferSize(receiveBufferSize);
        }
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        server.setSoTimeout((int) TIMEOUT.toMillis());
    }

    public int port() {
        return server.getLocalPort();
    }

    /** Waits for the next client connection. */
    public Peer accept() throws IOException {
        try {
            Peer peer = new Peer(server.accept());
            peers.add(peer);
            return peer;
        } catch (SocketTimeoutException e) {
            throw new AssertionError("no connection to the scripted server within " + TIMEOUT);
        }
    }

    /** A server stream header as Prosody writes it, XML declaration included (RFC 6120 §4.7). */
    public static String header(String id) {
        return "<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
                + "xmlns:stream='http://etherx.jabber.org/streams' from='localhost' id='" + id
                + "' version='1.0' xml:lang='en'>";
    }

    /** The server side of TLS with the test certificate for {@code localhost}. */
    public static SSLContext serverTls() {
        try {
            KeyStore keys = KeyStore.getInstance(KEYSTORE.toFile(), PASSWORD.toCharArray());
            KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            factory.init(keys, PASSWORD.toCharArray());
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(factory.getKeyManagers(), null, null);
            return context;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("test key store " + KEYSTORE + " unusable", e);
        }
    }

    private static Path resource(String name) {
        try {
            return Path.of(ScriptedXmppServer.class.getClassLoader().getResource(name).toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("test resource " + name + " missing", e);
        }
    }

    /** Stops listening and drops every accepted connection. */
    @Override
    public void close() throws IOException {
        server.close();
        for (Peer peer : peers) {
            peer.close();
        }
    }

    /** One accepted client connection, scripted from the test thread. */
    public static final class Peer implements AutoCloseable {
        private Socket socket;
        private InputStream in;
        private OutputStream out;
        private byte[] pending = new byte[0];

        private Peer(Socket socket) throws IOException {
            this.socket = socket;
            this.in = socket.getInputStream();
            this.out = socket.getOutputStream();
        }

        /**
         * Reads until the client has sent {@code fragment}.
         *
         * @return everything received since the previous expectation, up to and including the fragment
         */
        public String expect(String fragment) throws IOException {
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (true) {
                String text = new String(pending, StandardCharsets.UTF_8);
                int at = text.indexOf(fragment);
                if (at >= 0) {
                    String consumed = text.substring(0, at + fragment.length());
                    int length = consumed.getBytes(StandardCharsets.UTF_8).length;
                    pending = Arrays.copyOfRange(pending, length, pending.length);
                    return consumed;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0 || !readMore(Math.max(1, left / 1_000_000))) {
                    throw new AssertionError("expected '" + fragment + "' from the client; received: " + text);
                }
            }
        }

        /** Reads the client's next stream header, XML declaration included. @return the header's text */
        public String expectHeader() throws IOException {
            expect("<stream:stream");
            return "<stream:stream" + expect(">");
        }

        /** Reads until the client closes the connection. @return everything not yet expected */
        public String readToEnd() throws IOException {
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (true) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("the client did not close the connection; received: "
                            + new String(pending, StandardCharsets.UTF_8));
                }
                if (!readMore(Math.max(1, left / 1_000_000))) {
                    String rest = new String(pending, StandardCharsets.UTF_8);
                    pending = new byte[0];
                    return rest;
                }
            }
        }

        /** @return false at the end of input or when the timeout passed with nothing read */
        private boolean readMore(long timeoutMillis) throws IOException {
            socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, timeoutMillis));
            byte[] buffer = new byte[8192];
            int n;
            try {
                n = in.read(buffer);
            } catch (SocketTimeoutException e) {
                return false;
            } catch (IOException e) {
                return false;
            }
            if (n < 0) {
                return false;
            }
            ByteArrayOutputStream joined = new ByteArrayOutputStream(pending.length + n);
            joined.write(pending, 0, pending.length);
            joined.write(buffer, 0, n);
            pending = joined.toByteArray();
            return true;
        }

        public Peer send(String xml) {
            try {
                out.write(xml.getBytes(StandardCharsets.UTF_8));
                out.flush();
            } catch (IOException e) {
                throw new UncheckedIOException("scripted server could not send " + xml, e);
            }
            return this;
        }

        /** Answers the client's header: the server header with the given id, then the features. */
        public Peer open(String id, String features) {
            return send(header(id) + features);
        }

        /** After sending {@code <proceed/>}: the server side of the TLS handshake on this connection. */
        public void startTls() throws IOException {
            if (pending.length > 0) {
                throw new AssertionError("client sent bytes before the TLS handshake");
            }
            SSLSocket secured = (SSLSocket) serverTls().getSocketFactory()
                    .createSocket(socket, null, socket.getPort(), true);
            secured.setUseClientMode(false);
            socket.setSoTimeout((int) TIMEOUT.toMillis());
            secured.startHandshake();
            socket = secured;
            in = secured.getInputStream();
            out = secured.getOutputStream();
        }

        /**
         * After {@link #startTls}: a new handshake from the server's side, which over TLS 1.3 is a key update that
         * asks the client to update its keys too (RFC 8446 §4.6.3).
         */
        public void rekey() throws IOException {
            ((SSLSocket) socket).startHandshake();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
