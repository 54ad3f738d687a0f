/**
 * Plain HTTP around the transports: the server's settings, XEP-0156 host-meta discovery of the endpoints, each
 * endpoint on its exact path ({@link org.portico.http.ExactPath}), and which
 * sockets are read on Jetty's selector ({@link org.portico.http.SelectorReadEndPoint}) while servlets stay off it
 * ({@link org.portico.http.ServletsOffPlatformThreads}), and the scheduler that runs Jetty's long timeouts, the
 * connections' idle timeouts among them, on one tick ({@link org.portico.http.TickScheduler}), and the gzip coding
 * of large BOSH answers ({@link org.portico.http.GzipCoding}).
 */
package org.portico.http;
