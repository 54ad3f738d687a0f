package org.portico.upstream;

import java.io.ByteArrayOutputStream;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

/**
 * The PROXY protocol version 2 header (HAProxy's proxy-protocol.txt, §2.2) that Portico sends first on an upstream
 * connection whose route asks for it ({@code proxy-protocol} in {@code upstream.domain.*}), so the XMPP server
 * (Prosody's {@code mod_net_proxy}, ejabberd's {@code use_proxy_protocol}) sees the browser's address instead of
 * Portico's. A pure value: no I/O.
 *
 * <p>Source: the client's address as Portico knows it (after the trusted-proxy rule), with port 0, since behind a
 * proxy only the address is forwarded. Destination: the server address Portico connected to. Both are sent in one
 * family: IPv6 (an IPv4 one mapped into it) when either is IPv6. A client whose address is not an IP literal (none,
 * or an obfuscated {@code Forwarded: for=_hidden}) gets the {@code LOCAL} command, by which the server keeps the
 * connection's own addresses.
 */
final class ProxyProtocolHeader {

    /** §2.2: the 12 bytes every version 2 header starts with. */
    private static final byte[] SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
    /** Version 2 in the high nibble; the command in the low one. */
    private static final int PROXY = 0x21;
    private static final int LOCAL = 0x20;
    /** Address family in the high nibble, transport (1, STREAM) in the low one. */
    private static final int TCP_OVER_IPV4 = 0x11;
    private static final int TCP_OVER_IPV6 = 0x21;
    private static final int UNSPECIFIED = 0x00;
    private static final Pattern IP_LITERAL = Pattern.compile("[0-9.]+|\\[?[0-9A-Fa-f:.]*:[0-9A-Fa-f:.%a-zA-Z0-9]*]?");

    private ProxyProtocolHeader() {
    }

    /**
     * The header for a connection relayed for {@code client} to {@code server}.
     *
     * @param client the client's address as logged ({@code 203.0.113.7}, {@code 2001:db8::7}), or null
     */
    static byte[] v2(String client, InetSocketAddress server) {
        InetAddress source = literal(client);
        ByteArrayOutputStream out = new ByteArrayOutputStream(52);
        out.writeBytes(SIGNATURE);
        if (source == null || server.getAddress() == null) {
            out.write(LOCAL);
            out.write(UNSPECIFIED);
            out.write(0);
            out.write(0);
            return out.toByteArray();
        }
        InetAddress destination = server.getAddress();
        boolean v4 = source instanceof Inet4Address && destination instanceof Inet4Address;
        out.write(PROXY);
        out.write(v4 ? TCP_OVER_IPV4 : TCP_OVER_IPV6);
        int length = v4 ? 12 : 36;
        out.write(length >> 8);
        out.write(length & 0xFF);
        out.writeBytes(v4 ? source.getAddress() : ipv6(source));
        out.writeBytes(v4 ? destination.getAddress() : ipv6(destination));
        out.write(0); // source port: not forwarded by a proxy, and not the server's business
        out.write(0);
        out.write(server.getPort() >> 8);
        out.write(server.getPort() & 0xFF);
        return out.toByteArray();
    }

    /** The address, if {@code text} is an IP literal; never a DNS lookup. */
    private static InetAddress literal(String text) {
        if (text == null || !IP_LITERAL.matcher(text).matches()) {
            return null;
        }
        String bare = text.startsWith("[") && text.endsWith("]") ? text.substring(1, text.length() - 1) : text;
        try {
            return InetAddress.getByName(bare);
        } catch (UnknownHostException e) {
            return null;
        }
    }

    /** 16 bytes: an IPv6 address as it is, an IPv4 one as {@code ::ffff:a.b.c.d} (RFC 4291 §2.5.5.2). */
    private static byte[] ipv6(InetAddress address) {
        if (address instanceof Inet6Address) {
            return address.getAddress();
        }
        byte[] mapped = new byte[16];
        mapped[10] = (byte) 0xFF;
        mapped[11] = (byte) 0xFF;
        System.arraycopy(address.getAddress(), 0, mapped, 12, 4);
        return mapped;
    }
}
