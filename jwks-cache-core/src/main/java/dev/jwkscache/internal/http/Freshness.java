package dev.jwkscache.internal.http;

import java.time.Duration;
import java.time.Instant;

/**
 * Freshness of a response for a private cache, RFC 9111 section 4.2. Never throws, whatever the
 * headers hold.
 */
public final class Freshness {
  private Freshness() {
  }

  /**
   * @param storable false when the response must not be stored (no-store, unusable status)
   * @param ttl the remaining freshness at receipt, {@code max(0, lifetime - current_age)}
   * @param reason one human line on how it was computed ("max-age=300 minus Age 5")
   */
  public record Result(boolean storable, Duration ttl, String reason) {
  }

  /** Computes the raw (unclamped) freshness of a response received at {@code receivedAt}. */
  public static Result compute(HeaderLookup headers, int status, Instant receivedAt) {
    throw new UnsupportedOperationException("TODO");
  }

  /**
   * The TTL the cache uses: the raw TTL clamped to [minTtl, maxTtl]; a response that is not
   * storable, or has no lifetime, gets {@code minTtl}.
   */
  public static Duration clamp(Result result, Duration minTtl, Duration maxTtl) {
    throw new UnsupportedOperationException("TODO");
  }
}
