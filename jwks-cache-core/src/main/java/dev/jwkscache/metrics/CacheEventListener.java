package dev.jwkscache.metrics;

import java.time.Duration;

/**
 * Receives the registry's events for metrics and auditing. Called off the resolve hot path
 * (registration, refresh completion, snapshot handling). Implementations must be thread-safe and
 * quick; an exception thrown here is logged and otherwise ignored, so a failing metrics backend
 * never fails a resolve.
 */
public interface CacheEventListener {
  /** A pair was registered; its counters stay live until {@link #onUnregistered}. */
  default void onRegistered(ProviderCounters counters) {
  }

  default void onUnregistered(String tenantId, String providerId) {
  }

  /** A refresh (fetch sequence) finished. */
  default void onRefresh(String tenantId, String providerId, boolean success, Duration duration) {
  }

  /** A refreshed set was written to the snapshot store (write-through). */
  default void onPersisted(String tenantId, String providerId) {
  }

  /** A snapshot store operation failed or a stored snapshot was refused. */
  default void onPersistenceFailure(String tenantId, String providerId, String reason) {
  }
}
