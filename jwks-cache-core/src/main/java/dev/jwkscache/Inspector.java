package dev.jwkscache;

import com.nimbusds.jose.jwk.JWKSet;
import dev.jwkscache.internal.http.CachedHeaders;
import dev.jwkscache.internal.http.FetchResult;
import dev.jwkscache.internal.http.JwksFetcher;
import dev.jwkscache.internal.security.SecureClients;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.random.RandomGenerator;
import javax.net.ssl.X509TrustManager;

/**
 * One fetch of a JWKS outside any registry, with the same client, security checks, retry policy,
 * freshness computation and parsing as a registered pair: for diagnostics ({@code inspect}).
 */
public final class Inspector {
  private Inspector() {
  }

  /**
   * What the fetch produced.
   *
   * @param finalUrl the URL that answered, after redirects
   * @param ttl the freshness lifetime the cache would use, clamped to [min_ttl, max_ttl]
   * @param ttlReason which header (or rule) decided the lifetime
   * @param keys the public keys kept (private members and symmetric keys removed)
   * @param skippedKeys keys that did not parse and were dropped
   * @param privateMaterialDropped true when the document carried private members or
   *     symmetric keys
   */
  public record Result(String finalUrl, Instant receivedAt, Duration ttl, String ttlReason,
      String etag, String lastModified, List<String> cacheControl, String expires, String date,
      String age, JWKSet keys, int skippedKeys, boolean privateMaterialDropped) {
    public Result {
      cacheControl = List.copyOf(cacheControl);
    }
  }

  /**
   * Fetches once (with the registration's retries) and reports.
   *
   * @param trustManager trust anchors for TLS, or null for the JVM's
   * @param refusePrivateAddresses as {@link Registry.Builder#refusePrivateAddresses}
   * @throws JwksCacheException (a concrete subtype) when the fetch fails or is refused
   */
  public static Result inspect(ProviderRegistration registration, X509TrustManager trustManager,
      boolean refusePrivateAddresses) {
    try (JwksFetcher fetcher = new JwksFetcher(
        new SecureClients(trustManager, refusePrivateAddresses), Clock.systemUTC(),
        RandomGenerator.of("L64X128MixRandom"))) {
      FetchResult.Fetched f = (FetchResult.Fetched) fetcher.fetch(registration, null);
      CachedHeaders h = f.headers();
      return new Result(f.finalUrl(), f.receivedAt(), f.ttl(), f.ttlReason(), h.etag(),
          h.lastModified(), h.cacheControl(), h.expires(), h.date(), h.age(), f.jwks().set(),
          f.jwks().skippedKeys(), f.jwks().privateMaterialDropped());
    }
  }
}
