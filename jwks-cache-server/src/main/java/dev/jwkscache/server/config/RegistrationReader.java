package dev.jwkscache.server.config;

import dev.jwkscache.JitterStrategy;
import dev.jwkscache.ProviderRegistration;
import dev.jwkscache.RetryPolicy;
import dev.jwkscache.ValidationException;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * Builds a {@link ProviderRegistration} from the snake_case fields shared by the YAML config's
 * {@code providers} entries and the admin API's PUT body. Errors name the full key path.
 */
public final class RegistrationReader {
  private RegistrationReader() {
  }

  /**
   * Reads the registration fields of {@code f} and builds; any key not read by then (the caller
   * reads tenant_id / provider_id first where they belong) is refused as unknown.
   */
  public static ProviderRegistration read(String tenantId, String providerId, Fields f) {
    String url = f.requiredString("jwks_url");
    ProviderRegistration.Builder b = ProviderRegistration.builder(tenantId, providerId, url);
    set(f.bool("require_https"), b::requireHttps);
    set(f.strings("allowed_domains"), b::allowedDomains);
    set(f.duration("refresh_early"), b::refreshEarly);
    set(f.duration("stale_while_error"), b::staleWhileError);
    set(f.duration("min_ttl"), b::minTtl);
    set(f.duration("max_ttl"), b::maxTtl);
    set(f.integer("max_response_bytes", 1, Long.MAX_VALUE), b::maxResponseBytes);
    set(f.duration("negative_cache_ttl"), b::negativeCacheTtl);
    Long redirects = f.integer("max_redirects", 0, ProviderRegistration.MAX_REDIRECTS_LIMIT);
    set(redirects == null ? null : redirects.intValue(), b::maxRedirects);
    set(f.strings("pinned_spki"), b::pinnedSpki);
    set(f.duration("prefetch_jitter"), b::prefetchJitter);
    set(f.duration("unknown_kid_cooldown"), b::unknownKidCooldown);
    if (f.has("retry_policy")) {
      b.retryPolicy(retryPolicy(f.object("retry_policy")));
    }
    f.finish();
    try {
      return b.build();
    } catch (ValidationException e) {
      // Core names the field relative to the registration; prefix the key path of this entry.
      throw new ValidationException(f.path(e.field()), e.reason());
    }
  }

  private static RetryPolicy retryPolicy(Fields f) {
    RetryPolicy.Builder b = RetryPolicy.builder();
    Long retries = f.integer("max_retries", 0, 100);
    set(retries == null ? null : retries.intValue(), b::maxRetries);
    set(f.duration("attempt_timeout"), b::attemptTimeout);
    set(f.duration("initial_backoff"), b::initialBackoff);
    set(f.duration("max_backoff"), b::maxBackoff);
    set(f.duration("deadline"), b::deadline);
    String jitter = f.string("jitter");
    if (jitter != null) {
      try {
        b.jitter(JitterStrategy.valueOf(jitter.strip().toUpperCase(Locale.ROOT)));
      } catch (IllegalArgumentException e) {
        throw new ValidationException(f.path("jitter"),
            "Must be one of none, full, decorrelated; got '" + jitter + "'.");
      }
    }
    f.finish();
    try {
      return b.build();
    } catch (ValidationException e) {
      // Core's field is "retry_policy.x"; the path of f already ends with retry_policy.
      String field = e.field().startsWith("retry_policy.")
          ? e.field().substring("retry_policy.".length()) : e.field();
      throw new ValidationException(f.path(field), e.reason());
    }
  }

  private static <T> void set(T value, Consumer<T> setter) {
    if (value != null) {
      setter.accept(value);
    }
  }
}
