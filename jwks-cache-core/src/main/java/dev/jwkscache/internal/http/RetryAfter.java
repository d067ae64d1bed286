package dev.jwkscache.internal.http;

import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import okhttp3.Headers;

/** Parses {@code Retry-After} (RFC 9110 section 10.2.3): delta-seconds or an HTTP-date. */
final class RetryAfter {
  /** Longer delays are kept at this value (they end any retry sequence anyway). */
  static final Duration MAX = Duration.ofDays(365);

  private RetryAfter() {
  }

  /**
   * The delay asked for, or null when the header is absent or does not parse. An HTTP-date is
   * measured from the response's own {@code Date} when it has one (so the two clocks need not
   * agree), else from {@code now}; a date in the past gives zero.
   */
  static Duration parse(Headers headers, Instant now) {
    String value = headers.get("Retry-After");
    if (value == null) {
      return null;
    }
    String v = value.trim();
    if (v.isEmpty()) {
      return null;
    }
    if (isDigits(v)) {
      if (v.length() > 12) {
        return MAX;
      }
      Duration d = Duration.ofSeconds(Long.parseLong(v));
      return d.compareTo(MAX) > 0 ? MAX : d;
    }
    Date at = headers.getDate("Retry-After");
    if (at == null) {
      return null;
    }
    Date serverNow = headers.getDate("Date");
    Instant base = serverNow != null ? serverNow.toInstant() : now;
    Duration d = Duration.between(base, at.toInstant());
    if (d.isNegative()) {
      return Duration.ZERO;
    }
    return d.compareTo(MAX) > 0 ? MAX : d;
  }

  private static boolean isDigits(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return false;
      }
    }
    return true;
  }
}
