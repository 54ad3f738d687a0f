/**
 * Operating Portico: the admin listener ({@link org.portico.admin.AdminServer}: metrics, liveness, readiness and
 * the drain, on an address of its own), its settings ({@link org.portico.admin.AdminConfig}), the readiness probe of
 * the upstreams and the graceful stop ({@link org.portico.admin.Drain}). {@code docs/monitoring.md} is the
 * operator's guide to all of it.
 */
package org.portico.admin;
