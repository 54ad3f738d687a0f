/** The client's address behind trusted proxies and the limits per address, as pure units. */
package org.portico.client;
