/**
 * Configuration loading (the file, the {@code PORTICO_CFG_*} overrides, where a bad value came from) and the
 * listeners and buffers Jetty is given.
 */
package org.portico.server;
