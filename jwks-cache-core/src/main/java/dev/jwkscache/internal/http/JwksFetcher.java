package dev.jwkscache.internal.http;

import dev.jwkscache.ProviderRegistration;
import dev.jwkscache.internal.security.SecureClients;
import java.time.Clock;
import java.util.random.RandomGenerator;

/**
 * Fetches a provider's JWKS: the retry sequence, redirects followed and checked hop by hop, the
 * bounded body, parsing to a public-only set, and the mapping of every failure to the typed
 * errors of the public API. Blocking; thread-safe; one instance serves every registration.
 */
public final class JwksFetcher implements AutoCloseable {
  private final SecureClients clients;
  private final Clock clock;
  private final RandomGenerator random;

  public JwksFetcher(SecureClients clients, Clock clock, RandomGenerator random) {
    this.clients = clients;
    this.clock = clock;
    this.random = random;
  }

  /**
   * Runs one fetch sequence for the registration, bounded by its retry deadline.
   *
   * @param previous the cached headers whose ETag / Last-Modified make the request conditional,
   *     or null for an unconditional fetch
   * @return the outcome; a {@link FetchResult.NotModified} only when {@code previous} was given
   * @throws dev.jwkscache.JwksCacheException (a concrete subtype) on every failure
   */
  public FetchResult fetch(ProviderRegistration registration, CachedHeaders previous) {
    throw new UnsupportedOperationException("TODO");
  }

  @Override
  public void close() {
    clients.close();
  }
}
