package dev.jwkscache.internal.cache;

import dev.jwkscache.ProviderRegistration;
import dev.jwkscache.internal.http.CachedHeaders;
import dev.jwkscache.internal.http.FetchResult;

/** One fetch sequence for a registration; the engine's only view of HTTP. */
@FunctionalInterface
public interface Upstream {
  /** Blocking; throws only {@link dev.jwkscache.JwksCacheException} subtypes. */
  FetchResult fetch(ProviderRegistration registration, CachedHeaders previous);
}
