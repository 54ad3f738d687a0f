/** Tests of the HTTPS listener: key material from PEM or PKCS12, ALPN and h2c, and reloading renewed certificates. */
package org.portico.tls;
