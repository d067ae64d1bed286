package dev.jwkscache.server.config;

import dev.jwkscache.ValidationException;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as written in the YAML config and the admin API: ISO-8601 ({@code PT30S}, {@code P1D})
 * or a whole number with a unit ({@code 250ms}, {@code 30s}, {@code 5m}, {@code 24h}, {@code 1d}).
 * Bare numbers are refused: a unit is never guessed.
 */
public final class Durations {
  private static final Pattern SHORT = Pattern.compile("(\\d{1,12})(ms|s|m|h|d)");

  private Durations() {
  }

  /** Parses a duration; a bad one is a {@link ValidationException} on {@code field}. */
  public static Duration parse(String text, String field) {
    String t = text == null ? "" : text.strip();
    Matcher m = SHORT.matcher(t);
    if (m.matches()) {
      long n = Long.parseLong(m.group(1));
      return switch (m.group(2)) {
        case "ms" -> Duration.ofMillis(n);
        case "s" -> Duration.ofSeconds(n);
        case "m" -> Duration.ofMinutes(n);
        case "h" -> Duration.ofHours(n);
        default -> Duration.ofDays(n);
      };
    }
    if (t.length() > 1 && (t.charAt(0) == 'P' || t.charAt(0) == 'p')) {
      try {
        return Duration.parse(t);
      } catch (DateTimeParseException e) {
        // fall through to the common message
      }
    }
    throw new ValidationException(field, "Must be a duration such as 30s, 250ms, 5m, 24h, 1d or"
        + " ISO-8601 PT30S; got '" + text + "'.");
  }

  /** The shortest exact form with a unit: {@code 30s}, {@code 250ms}, {@code 24h}. */
  public static String format(Duration d) {
    long ms = d.toMillis();
    if (ms != 0 && Duration.ofMillis(ms).equals(d)) {
      if (ms % 86_400_000L == 0) {
        return ms / 86_400_000L + "d";
      }
      if (ms % 3_600_000L == 0) {
        return ms / 3_600_000L + "h";
      }
      if (ms % 60_000L == 0) {
        return ms / 60_000L + "m";
      }
      if (ms % 1000 == 0) {
        return ms / 1000 + "s";
      }
      return ms + "ms";
    }
    return ms == 0 && d.isZero() ? "0s" : d.toString();
  }
}
