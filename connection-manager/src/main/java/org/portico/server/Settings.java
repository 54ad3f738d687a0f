package org.portico.server;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;

/**
 * Typed reads of {@code conf/portico.properties}, with environment overrides: {@code PORTICO_HTTP_PORT} overrides
 * {@code http.port} (upper case, dots to underscores, prefixed). Every key read is recorded so that a key nobody
 * reads — a typo — is reported instead of silently ignored. Not thread-safe: used once, at start-up.
 */
final class Settings {

    private final Properties properties;
    private final Map<String, String> environment;
    private final Set<String> read = new HashSet<>();

    Settings(Properties properties, Map<String, String> environment) {
        this.properties = properties;
        this.environment = environment;
    }

    static Settings load(Path file, Map<String, String> environment) throws IOException {
        Properties properties = new Properties();
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(in);
        }
        return new Settings(properties, environment);
    }

    private String raw(String key) {
        read.add(key);
        String override = environment.get("PORTICO_" + key.toUpperCase(java.util.Locale.ROOT).replace('.', '_'));
        if (override != null && !override.isBlank()) {
            return override.trim();
        }
        String value = properties.getProperty(key);
        return value == null || value.isBlank() ? null : value.trim();
    }

    String string(String key, String fallback) {
        String value = raw(key);
        return value == null ? fallback : value;
    }

    int integer(String key, int fallback) {
        String value = raw(key);
        if (value == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(value.replace("_", ""));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be a whole number, was '" + value + "'");
        }
    }

    boolean bool(String key, boolean fallback) {
        String value = raw(key);
        if (value == null) {
            return fallback;
        }
        return switch (value.toLowerCase(java.util.Locale.ROOT)) {
            case "true", "yes", "on" -> true;
            case "false", "no", "off" -> false;
            default -> throw new IllegalArgumentException(key + " must be true or false, was '" + value + "'");
        };
    }

    /** Durations as {@code 30s}, {@code 5m}, {@code 250ms}, {@code 2h} or ISO-8601 ({@code PT30S}). */
    Duration duration(String key, Duration fallback) {
        String value = raw(key);
        if (value == null) {
            return fallback;
        }
        try {
            if (value.startsWith("P") || value.startsWith("p")) {
                return Duration.parse(value);
            }
            String lower = value.toLowerCase(java.util.Locale.ROOT);
            if (lower.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(lower.substring(0, lower.length() - 2).trim()));
            }
            long amount = Long.parseLong(lower.substring(0, lower.length() - 1).trim());
            return switch (lower.charAt(lower.length() - 1)) {
                case 's' -> Duration.ofSeconds(amount);
                case 'm' -> Duration.ofMinutes(amount);
                case 'h' -> Duration.ofHours(amount);
                default -> throw new IllegalArgumentException("unit");
            };
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(key + " must be a duration such as 30s, 5m or 250ms, was '" + value
                    + "'");
        }
    }

    /** A comma-separated list; empty when absent. */
    List<String> list(String key) {
        String value = raw(key);
        if (value == null) {
            return List.of();
        }
        return Arrays.stream(value.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    /** Keys under a prefix, e.g. the domains of {@code upstream.domain.*}. */
    Set<String> keysUnder(String prefix) {
        Set<String> keys = new TreeSet<>();
        for (String name : properties.stringPropertyNames()) {
            if (name.startsWith(prefix)) {
                keys.add(name);
            }
        }
        return keys;
    }

    /** Fails on keys that were never read: a misspelt option must not be silently ignored. */
    void rejectUnknownKeys() {
        Set<String> unknown = new TreeSet<>(properties.stringPropertyNames());
        unknown.removeAll(read);
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("unknown configuration keys: " + unknown);
        }
    }
}
