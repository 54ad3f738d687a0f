package org.portico.load;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;

/**
 * Plain TCP sockets to an {@code http://} or {@code ws://} endpoint, as the generator's HTTP/1.1, HTTP/2 and
 * WebSocket clients open them, and the names their requests give the endpoint.
 */
final class PlainSockets {

    private PlainSockets() {
    }

    /** A socket to {@code endpoint}'s host and port (80 if none), without Nagle's delay, its reads timed out. */
    static Socket connect(URI endpoint, Duration connectTimeout, Duration readTimeout) throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress(endpoint.getHost(), port(endpoint)), (int) connectTimeout.toMillis());
        socket.setTcpNoDelay(true);
        socket.setSoTimeout((int) readTimeout.toMillis());
        return socket;
    }

    /** {@code host:port} of {@code endpoint}, as a request names it (Host, :authority). */
    static String authority(URI endpoint) {
        return endpoint.getHost() + ":" + port(endpoint);
    }

    /** The request target: {@code endpoint}'s path, or {@code /}. */
    static String path(URI endpoint) {
        String path = endpoint.getRawPath();
        return path == null || path.isEmpty() ? "/" : path;
    }

    private static int port(URI endpoint) {
        return endpoint.getPort() > 0 ? endpoint.getPort() : 80;
    }

    static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // nothing more to release
        }
    }
}
