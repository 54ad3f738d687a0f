package org.portico.server;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Typed reads of {@code conf/portico.properties}, with environment overrides in a namespace of their own:
 * {@code PORTICO_CFG_HTTP_PORT} overrides {@code http.port} (see {@link #variable}). The scripts' own variables
 * ({@code PORTICO_RUN_DIR}, {@code PORTICO_HTTP_PORT}, …) are outside it, so neither can be mistaken for the other.
 * Every key read is recorded, and where its value came from, so that a key nobody reads and a variable that names
 * no key — typos — stop start-up instead of being ignored, and a bad value's error says where to fix it. Not
 * thread-safe: used once, at start-up.
 */
final class Settings {

    /** The prefix of every configuration override in the environment. */
    static final String PREFIX = "PORTICO_CFG_";

    private final Properties properties;
    private final String file;
    private final Map<String, String> environment;
    /** Each key read, with where its value came from; null for one left at its default. */
    private final Map<String, String> read = new HashMap<>();

    Settings(Properties properties, String file, Map<String, String> environment) {
        this.properties = properties;
        this.file = file;
        this.environment = environment;
    }

    static Settings load(Path file, Map<String, String> environment) throws IOException {
        Properties properties = new Properties();
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(in);
        }
        return new Settings(properties, file.toString(), environment);
    }

    /**
     * The environment variable that overrides {@code key}: {@link #PREFIX}, then the key in upper case with dots as
     * underscores and a hyphen (in a domain name) as two underscores, since shells allow neither in a name:
     * {@code upstream.domain.chat-1.example.org} → {@code PORTICO_CFG_UPSTREAM_DOMAIN_CHAT__1_EXAMPLE_ORG}.
     */
    static String variable(String key) {
        return PREFIX + key.toUpperCase(Locale.ROOT).replace("-", "__").replace('.', '_');
    }

    private String raw(String key) {
        String name = variable(key);
        String override = environment.get(name);
        if (override != null && !override.isBlank()) {
            read.put(key, "environment variable " + name);
            return override.trim();
        }
        String value = properties.getProperty(key);
        if (value == null || value.isBlank()) {
            read.put(key, null);
            return null;
        }
        read.put(key, file);
        return value.trim();
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
        return switch (value.toLowerCase(Locale.ROOT)) {
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
            String lower = value.toLowerCase(Locale.ROOT);
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

    /**
     * Keys under a prefix, from the file and from the environment: the domains of {@code upstream.domain.*}, so a
     * domain can be added by a variable alone. A variable's key is read back as a domain name (lower case,
     * {@code _} a dot, {@code __} a hyphen; {@link #variable}).
     */
    Set<String> keysUnder(String prefix) {
        Set<String> keys = new TreeSet<>();
        for (String name : properties.stringPropertyNames()) {
            if (name.startsWith(prefix)) {
                keys.add(name);
            }
        }
        String variablePrefix = variable(prefix);
        for (String name : environment.keySet()) {
            if (name.startsWith(variablePrefix) && name.length() > variablePrefix.length()) {
                String rest = name.substring(variablePrefix.length()).toLowerCase(Locale.ROOT);
                keys.add(prefix + rest.replace("__", "-").replace('_', '.'));
            }
        }
        return keys;
    }

    /**
     * Fails on keys in the file that were never read and on override variables that name no key read: a misspelt
     * option or variable must not be silently ignored.
     */
    void rejectUnknownKeys() {
        Set<String> unknown = new TreeSet<>(properties.stringPropertyNames());
        unknown.removeAll(read.keySet());
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("unknown configuration keys in " + file + ": " + unknown);
        }
        Set<String> known = new LinkedHashSet<>();
        read.keySet().forEach(key -> known.add(variable(key)));
        Set<String> stray = new TreeSet<>();
        for (String name : environment.keySet()) {
            if (name.startsWith(PREFIX) && !known.contains(name)) {
                stray.add(name);
            }
        }
        if (!stray.isEmpty()) {
            throw new IllegalArgumentException("environment variables " + stray + " match no configuration key (a "
                    + PREFIX + "* variable overrides one key of " + file + ", e.g. " + variable("http.port")
                    + " for http.port)");
        }
    }

    /**
     * The same error with where each key it names got its value: the file, or the environment variable that
     * overrode it. Keys left at their defaults are not listed.
     */
    IllegalArgumentException located(IllegalArgumentException error) {
        String message = String.valueOf(error.getMessage());
        StringBuilder origins = new StringBuilder();
        new TreeSet<>(read.keySet()).forEach(key -> {
            String origin = read.get(key);
            if (origin != null && Pattern.compile("(?<![\\w.])" + Pattern.quote(key) + "(?![\\w.])")
                    .matcher(message).find()) {
                origins.append(origins.isEmpty() ? "" : "; ").append(key).append(" from ").append(origin);
            }
        });
        if (origins.isEmpty()) {
            return error;
        }
        return new IllegalArgumentException(message + " [" + origins + "]", error);
    }
}
