package dev.jwkscache.internal.cache;

import dev.jwkscache.metrics.ProviderCounters;
import java.time.Duration;
import java.util.concurrent.atomic.LongAdder;

/** Per-pair counters; striped adders so concurrent hits do not contend on one cache line. */
public final class ProviderStats implements ProviderCounters {
  private final String tenantId;
  private final String providerId;
  private final LongAdder hits = new LongAdder();
  private final LongAdder misses = new LongAdder();
  private final LongAdder stale = new LongAdder();
  private final LongAdder refreshSuccesses = new LongAdder();
  private final LongAdder refreshErrors = new LongAdder();
  private final LongAdder persistenceFailures = new LongAdder();
  private volatile long lastRefreshNanos = -1;

  ProviderStats(String tenantId, String providerId) {
    this.tenantId = tenantId;
    this.providerId = providerId;
  }

  void hit() {
    hits.increment();
  }

  void miss() {
    misses.increment();
  }

  void staleServe() {
    stale.increment();
  }

  void persistenceFailed() {
    persistenceFailures.increment();
  }

  /** Snapshot store failures and refused snapshots of this pair. */
  public long persistenceFailures() {
    return persistenceFailures.sum();
  }

  void refreshed(boolean success, long nanos) {
    (success ? refreshSuccesses : refreshErrors).increment();
    lastRefreshNanos = nanos;
  }

  @Override
  public String tenantId() {
    return tenantId;
  }

  @Override
  public String providerId() {
    return providerId;
  }

  @Override
  public long requests() {
    // Read misses first: a hit racing with this read can only make the sum smaller, never
    // report more misses than requests.
    long m = misses.sum();
    return hits.sum() + m;
  }

  @Override
  public long hits() {
    return hits.sum();
  }

  @Override
  public long misses() {
    return misses.sum();
  }

  @Override
  public long staleServes() {
    return stale.sum();
  }

  @Override
  public long refreshSuccesses() {
    return refreshSuccesses.sum();
  }

  @Override
  public long refreshErrors() {
    return refreshErrors.sum();
  }

  @Override
  public Duration lastRefreshDuration() {
    long n = lastRefreshNanos;
    return n < 0 ? null : Duration.ofNanos(n);
  }
}
