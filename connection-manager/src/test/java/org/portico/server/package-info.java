/** Configuration loading: the file, the {@code PORTICO_CFG_*} overrides, and where a bad value came from. */
package org.portico.server;
