/**
 * HTTPS and WSS served by Portico itself: the listener's key material (a PKCS12 key store, or a PEM certificate
 * chain and private key as certbot writes them), Jetty's {@code SslContextFactory} built from it, and the watch that
 * reloads it when the files change, so a renewed certificate is served without a restart.
 */
package org.portico.tls;
