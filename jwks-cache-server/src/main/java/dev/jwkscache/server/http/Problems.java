package dev.jwkscache.server.http;

import dev.jwkscache.FetchFailureException;
import dev.jwkscache.InvalidJwksException;
import dev.jwkscache.JwksCacheException;
import dev.jwkscache.KeyNotFoundException;
import dev.jwkscache.NotRegisteredException;
import dev.jwkscache.PersistenceException;
import dev.jwkscache.RegistryClosedException;
import dev.jwkscache.SecurityViolationException;
import dev.jwkscache.UpstreamStatusException;
import dev.jwkscache.ValidationException;
import java.time.Duration;

/**
 * Maps each {@link JwksCacheException} subtype to its HTTP answer. Upstream failures reach a
 * client only when nothing servable was cached (the registry serves stale sets by itself).
 */
public final class Problems {
  /** Retry-After when neither the upstream nor the pair's policy says better. */
  static final Duration DEFAULT_RETRY_AFTER = Duration.ofSeconds(5);

  private Problems() {
  }

  /**
   * @param registering true for the admin PUT, where a security refusal is bad input (400), not
   *     a failed upstream (502)
   * @param retryAfter the pair's suggested wait for fetch failures (its max backoff), or null
   */
  public static Problem from(JwksCacheException e, boolean registering, Duration retryAfter) {
    if (e instanceof ValidationException v) {
      return Problem.of(400, "validation", "Invalid input", v.getMessage())
          .with("field", v.field());
    }
    if (e instanceof SecurityViolationException) {
      return registering
          ? Problem.of(400, "security-violation", "Refused by a security rule", e.getMessage())
          : Problem.of(502, "security-violation",
              "The upstream response was refused by a security rule", e.getMessage());
    }
    if (e instanceof NotRegisteredException n) {
      return Problem.of(404, "not-registered", "No such tenant/provider pair", n.getMessage())
          .with("tenant_id", n.tenantId()).with("provider_id", n.providerId());
    }
    if (e instanceof KeyNotFoundException k) {
      String detail = k.getMessage();
      if (k.getCause() != null) {
        detail += " (the refresh made to look for it failed: " + k.getCause().getMessage() + ")";
      }
      return Problem.of(404, "key-not-found", "No key with this kid", detail)
          .with("tenant_id", k.tenantId()).with("provider_id", k.providerId())
          .with("kid", k.kid());
    }
    if (e instanceof UpstreamStatusException u) {
      boolean later = u.retryAfter().isPresent() || u.status() == 429 || u.status() == 503;
      Problem p = later
          ? Problem.of(503, "upstream-status", "The identity provider asked to retry later",
              u.getMessage())
          : Problem.of(502, "upstream-status", "The identity provider answered with an error",
              u.getMessage());
      p.with("upstream_status", u.status());
      if (later) {
        p.header("Retry-After", seconds(u.retryAfter().orElse(
            retryAfter != null ? retryAfter : DEFAULT_RETRY_AFTER)));
      }
      return p;
    }
    if (e instanceof FetchFailureException) {
      return Problem.of(503, "fetch-failure", "The identity provider could not be reached",
          e.getMessage())
          .header("Retry-After", seconds(retryAfter != null ? retryAfter : DEFAULT_RETRY_AFTER));
    }
    if (e instanceof InvalidJwksException) {
      return Problem.of(502, "invalid-jwks", "The identity provider served an unusable key set",
          e.getMessage());
    }
    if (e instanceof PersistenceException) {
      return Problem.of(500, "persistence", "Snapshot store failure", e.getMessage());
    }
    if (e instanceof RegistryClosedException) {
      return Problem.of(503, "shutting-down", "The server is shutting down", e.getMessage())
          .header("Retry-After", "1");
    }
    return Problem.of(500, "internal", "Unexpected error", e.getClass().getSimpleName());
  }

  /** Whole seconds, rounded up, at least 1. */
  static String seconds(Duration d) {
    long s = (d.toMillis() + 999) / 1000;
    return Long.toString(Math.max(1, s));
  }
}
