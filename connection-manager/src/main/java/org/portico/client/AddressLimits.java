package org.portico.client;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.portico.session.SessionLease;

/**
 * How much of Portico one client address may take, both transports together: at most
 * {@code client.maxSessionsPerAddress} sessions at once (live or paused, from creation until the store lets them
 * go), and new sessions at {@code client.newSessionsPerSecond} with bursts of {@code client.newSessionsBurst} (a
 * token bucket per address). A resumed or restored session is not a new one. The transports ask {@link #admit}
 * before a session enters the store and answer a refusal with the spec's {@code policy-violation} (XEP-0124 §17,
 * RFC 6120 §4.9.3.14); a session's {@link #lease} and the store's removal callback (for sessions that expire or are
 * shut down) call {@link #released}.
 *
 * <p>State: the live counts and each session's address in concurrent maps, changed only inside
 * {@link ConcurrentHashMap#compute} of the address, which also takes the token, so two creations from one address
 * cannot both pass the last free place. Token buckets live in a Caffeine cache on Portico's clock: a bucket left
 * alone for its refill time is full again, the same as a new one, so it is dropped after that and memory follows
 * the addresses active now.
 */
public final class AddressLimits {

    /** Why a new session was refused; both are {@code policy-violation} on the wire. */
    public enum Refusal {
        TOO_MANY_SESSIONS("client.maxSessionsPerAddress"),
        TOO_MANY_NEW_SESSIONS("client.newSessionsPerSecond");

        private final String key;

        Refusal(String key) {
            this.key = key;
        }

        /** The setting that refused it, for the log line. */
        public String key() {
            return key;
        }
    }

    private final ClientConfig config;
    private final Ticker clock;
    private final Map<String, Integer> live = new ConcurrentHashMap<>();
    private final Map<String, String> addressOf = new ConcurrentHashMap<>();
    private final Cache<String, TokenBucket> buckets;

    /** @param clock Portico's one monotonic clock, in nanoseconds: buckets refill on it */
    public AddressLimits(ClientConfig config, Ticker clock) {
        this.config = config;
        this.clock = clock;
        this.buckets = Caffeine.newBuilder().ticker(clock).expireAfterAccess(config.refillTime()).build();
    }

    /**
     * Counts session {@code id} against {@code address}, or says why it may not start. An admitted session that
     * then never enters the store must be {@link #released} by the caller.
     */
    public Optional<Refusal> admit(String id, String address) {
        if (address == null) {
            return Optional.empty(); // a transport that cannot tell the address (in-process tests): nothing to count
        }
        Refusal[] refusal = new Refusal[1];
        live.compute(address, (key, count) -> {
            int now = count == null ? 0 : count;
            if (now >= config.maxSessionsPerAddress()) {
                refusal[0] = Refusal.TOO_MANY_SESSIONS;
                return count;
            }
            if (!buckets.get(key, k -> new TokenBucket(config, clock.read())).take(clock.read())) {
                refusal[0] = Refusal.TOO_MANY_NEW_SESSIONS;
                return count;
            }
            addressOf.put(id, key);
            return now + 1;
        });
        return Optional.ofNullable(refusal[0]);
    }

    /** Session {@code id} is over (or never entered the store): its address may hold one more. */
    public void released(String id) {
        String address = addressOf.remove(id);
        if (address != null) {
            live.computeIfPresent(address, (key, count) -> count <= 1 ? null : count - 1);
        }
    }

    /**
     * The lease of admitted session {@code id}, which gives its place back the moment the session leaves the store
     * by its own end, before the store's removal callback (run later, on another thread) would: a WebSocket client
     * that closes its stream and opens a new one finds its place free. (An ended BOSH session stays in the store as
     * a tombstone for {@code bosh.inactivity}, answering late requests, and counts until then, as it does towards
     * {@code store.maxSessions}.)
     */
    public SessionLease lease(String id, SessionLease inStore) {
        return new SessionLease() {
            @Override
            public void busy() {
                inStore.busy();
            }

            @Override
            public void idleFor(Duration duration) {
                inStore.idleFor(duration);
            }

            @Override
            public void end() {
                released(id);
                inStore.end();
            }
        };
    }

    /** The sessions {@code address} holds now. */
    public int sessions(String address) {
        return live.getOrDefault(address, 0);
    }

    @Override
    public String toString() {
        return "AddressLimits[addresses=" + live.size() + " sessions=" + addressOf.size() + "]";
    }

    /** Creations one address may still make: refilled continuously at the configured rate, up to the burst. */
    private static final class TokenBucket {
        private final double perNano;
        private final double capacity;
        private double tokens;
        private long updated;

        TokenBucket(ClientConfig config, long now) {
            this.perNano = config.newSessionsPerSecond() / 1e9;
            this.capacity = config.newSessionsBurst();
            this.tokens = capacity;
            this.updated = now;
        }

        /** Called only inside the address's compute, which serializes it. */
        boolean take(long now) {
            tokens = Math.min(capacity, tokens + (now - updated) * perNano);
            updated = now;
            if (tokens < 1) {
                return false;
            }
            tokens -= 1;
            return true;
        }
    }
}
