/** Assembly: configuration loading, the Jetty server with both transports, and the command-line entry point. */
package org.portico.server;
