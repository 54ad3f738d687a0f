/**
 * The demo page's tests: the page served by an in-process Portico in front of the local Prosody, driven as two people
 * would use it (alice and bob in two browsers), in HtmlUnit over both transports and in real headless Chromium. Shared
 * pieces live here once: {@link org.portico.demo.Transport}, the bounded waits ({@link org.portico.demo.Wait}), one
 * user's HtmlUnit tab ({@link org.portico.demo.HtmlUnitTab}) with its event loop
 * ({@link org.portico.demo.PageEventLoop}) and WebSocket adapter, the Chromium launcher
 * ({@link org.portico.demo.ChromiumTab}, a browser per tab, and {@link org.portico.demo.SharedChromium}, many windows
 * of one browser sharing its connections) and the page-side scripts both browsers run
 * ({@link org.portico.demo.PageScripts}).
 */
package org.portico.demo;
