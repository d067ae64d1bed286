package dev.jwkscache.internal.cache;

import com.nimbusds.jose.jwk.JWKSet;
import dev.jwkscache.internal.http.CachedHeaders;
import dev.jwkscache.internal.http.KeyEntry;
import dev.jwkscache.internal.http.ParsedJwks;

/**
 * An immutable cached key set with its freshness bookkeeping. Times are epoch milliseconds of the
 * registry's clock. A new instance is published for every change; readers never see a partly
 * updated payload.
 */
public final class Payload {
  final ParsedJwks jwks;
  /** Keys in document order; a plain array so a lookup is a scan with no allocation. */
  private final KeyEntry[] keys;
  final CachedHeaders headers;
  final long fetchedAt;
  final long expiresAt;
  final long nextRefreshAt;
  /** Last instant the set may be served after a failed refresh; equals expiresAt when off. */
  final long staleUntil;
  final int errorCount;
  /** No upstream attempt before this instant (after a failure); 0 when not backing off. */
  final long backoffUntil;
  final Throwable lastError;

  Payload(ParsedJwks jwks, CachedHeaders headers, long fetchedAt, long expiresAt,
      long nextRefreshAt, long staleUntil, int errorCount, long backoffUntil,
      Throwable lastError) {
    this.jwks = jwks;
    this.keys = jwks.keys().toArray(new KeyEntry[0]);
    this.headers = headers;
    this.fetchedAt = fetchedAt;
    this.expiresAt = expiresAt;
    this.nextRefreshAt = nextRefreshAt;
    this.staleUntil = staleUntil;
    this.errorCount = errorCount;
    this.backoffUntil = backoffUntil;
    this.lastError = lastError;
  }

  private Payload(Payload from, int errorCount, long backoffUntil, Throwable lastError) {
    this.jwks = from.jwks;
    this.keys = from.keys;
    this.headers = from.headers;
    this.fetchedAt = from.fetchedAt;
    this.expiresAt = from.expiresAt;
    this.nextRefreshAt = from.nextRefreshAt;
    this.staleUntil = from.staleUntil;
    this.errorCount = errorCount;
    this.backoffUntil = backoffUntil;
    this.lastError = lastError;
  }

  /** The same keys after a failed refresh. */
  Payload failed(long backoffUntil, Throwable error) {
    return new Payload(this, errorCount + 1, backoffUntil, error);
  }

  public JWKSet set() {
    return jwks.set();
  }

  public ParsedJwks jwks() {
    return jwks;
  }

  public CachedHeaders headers() {
    return headers;
  }

  public long expiresAt() {
    return expiresAt;
  }

  public long fetchedAt() {
    return fetchedAt;
  }

  /** The first key with this kid, or null. */
  public KeyEntry find(String kid) {
    for (KeyEntry e : keys) {
      if (kid.equals(e.kid())) {
        return e;
      }
    }
    return null;
  }

  KeyEntry[] keys() {
    return keys;
  }
}
