/**
 * End-to-end tests: a real client (the test clients of {@code org.portico.testing}, or Smack) through a real
 * Portico to the real local Prosody started by {@code scripts/}. They fail under {@code scripts/test.sh} when Prosody
 * is missing, and are skipped with a reason when run alone without it.
 */
package org.portico.e2e;
