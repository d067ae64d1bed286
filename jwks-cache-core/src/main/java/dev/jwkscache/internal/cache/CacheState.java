package dev.jwkscache.internal.cache;

import dev.jwkscache.JwksCacheException;
import dev.jwkscache.ProviderState;
import java.util.concurrent.CompletableFuture;

/**
 * One immutable state of a pair's cache, published through a single volatile field. The hot path
 * reads {@link #fresh} and {@link #payload} only: {@code fresh} is true exactly while the payload
 * is before its expiry, and is turned off by the scheduler at that instant, so a hit never reads
 * the clock.
 */
final class CacheState {
  final ProviderState kind;
  final Payload payload;
  final boolean fresh;
  /** The shared in-flight fetch (Loading, Refreshing), else null. */
  final CompletableFuture<Payload> flight;
  /** A remembered first-load failure (negative cache), else null. */
  final JwksCacheException negativeError;
  final long negativeUntil;
  final boolean closed;
  /** When the refresh in flight was started ({@link System#nanoTime()}), for Refreshing. */
  final long flightStartNanos;

  private CacheState(ProviderState kind, Payload payload, boolean fresh,
      CompletableFuture<Payload> flight, JwksCacheException negativeError, long negativeUntil,
      boolean closed, long flightStartNanos) {
    this.kind = kind;
    this.payload = payload;
    this.fresh = fresh;
    this.flight = flight;
    this.negativeError = negativeError;
    this.negativeUntil = negativeUntil;
    this.closed = closed;
    this.flightStartNanos = flightStartNanos;
  }

  static final CacheState EMPTY = new CacheState(ProviderState.EMPTY, null, false, null, null, 0,
      false, 0);
  static final CacheState CLOSED = new CacheState(ProviderState.EMPTY, null, false, null, null, 0,
      true, 0);

  static CacheState emptyRemembering(JwksCacheException error, long until) {
    return new CacheState(ProviderState.EMPTY, null, false, null, error, until, false, 0);
  }

  static CacheState loading(CompletableFuture<Payload> flight) {
    return new CacheState(ProviderState.LOADING, null, false, flight, null, 0, false, 0);
  }

  static CacheState ready(Payload payload, boolean fresh) {
    return new CacheState(ProviderState.READY, payload, fresh, null, null, 0, false, 0);
  }

  static CacheState refreshing(Payload payload, boolean fresh, CompletableFuture<Payload> flight,
      long startNanos) {
    return new CacheState(ProviderState.REFRESHING, payload, fresh, flight, null, 0, false,
        startNanos);
  }

  /** The same state with the fresh flag off (the payload reached its expiry). */
  CacheState expired() {
    return new CacheState(kind, payload, false, flight, negativeError, negativeUntil, closed,
        flightStartNanos);
  }
}
