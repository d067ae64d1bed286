package dev.jwkscache.internal.http;

import java.time.Duration;
import java.time.Instant;

/** What one successful fetch sequence produced. */
public sealed interface FetchResult {
  /** The response headers kept for freshness and the next conditional request. */
  CachedHeaders headers();

  /** When the final response arrived. */
  Instant receivedAt();

  /** Freshness lifetime, clamped to the registration's [min_ttl, max_ttl]. */
  Duration ttl();

  /** How {@link #ttl()} was derived, for logs and {@code inspect}. */
  String ttlReason();

  /** A 200 with a new set. */
  record Fetched(ParsedJwks jwks, CachedHeaders headers, Instant receivedAt, Duration ttl,
      String ttlReason, String finalUrl) implements FetchResult {
  }

  /** A 304: the cached keys stay; {@link #headers()} are the stored headers merged with the 304's. */
  record NotModified(CachedHeaders headers, Instant receivedAt, Duration ttl, String ttlReason)
      implements FetchResult {
  }
}
