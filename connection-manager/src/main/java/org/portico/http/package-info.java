/** Plain HTTP around the transports: the server's settings, and XEP-0156 host-meta discovery of the endpoints. */
package org.portico.http;
