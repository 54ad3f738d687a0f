/**
 * Who the client is and how much of Portico one client address may take: {@link org.portico.client.TrustedProxies}
 * believes {@code Forwarded} / {@code X-Forwarded-For} only from the reverse proxies the operator named, so a
 * session's and a refusal's log lines carry the browser's address, not the proxy's, and no client can choose its
 * own; {@link org.portico.client.AddressLimits} bounds the live sessions and the session creations per second of
 * one address, for both transports. Configured by {@link org.portico.client.ClientConfig} ({@code client.*}).
 */
package org.portico.client;
