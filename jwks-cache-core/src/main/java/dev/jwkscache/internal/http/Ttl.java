package dev.jwkscache.internal.http;

import dev.jwkscache.ProviderRegistration;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The clamped freshness lifetime of a response, with the line explaining it. */
record Ttl(Duration value, String reason) {
  private static final Logger LOG = LoggerFactory.getLogger(Ttl.class);

  /**
   * {@link Freshness#compute} then {@link Freshness#clamp} to the registration's [min_ttl,
   * max_ttl]. Freshness promises never to throw; should it throw anyway (a bug), the keys that
   * were fetched and validated are still used, with the most conservative lifetime, min_ttl.
   */
  static Ttl of(HeaderLookup headers, int status, Instant receivedAt,
      ProviderRegistration registration, String url) {
    try {
      Freshness.Result raw = Freshness.compute(headers, status, receivedAt);
      Duration ttl = Freshness.clamp(raw, registration.minTtl(), registration.maxTtl());
      return new Ttl(ttl, raw.reason());
    } catch (RuntimeException e) {
      LOG.error("Freshness computation failed for the response from {}; using min_ttl ({}) - "
          + "this is a bug in jwks-cache", url, registration.minTtl(), e);
      return new Ttl(registration.minTtl(),
          "min_ttl (freshness could not be computed: " + e.getClass().getSimpleName() + ")");
    }
  }
}
