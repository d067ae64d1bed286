package dev.jwkscache.metrics;

import java.time.Duration;

/**
 * Live, read-only counters of one pair. Reads are cheap and never block; a metrics binding polls
 * them (e.g. as Micrometer function counters), so the resolve path never calls into a metrics
 * library.
 *
 * <p>Every resolve is either a hit (answered from the cache without waiting for upstream) or a
 * miss (it waited for upstream, or failed), so {@code requests() == hits() + misses()}. Stale
 * serves are the answers, hits or misses, that returned an expired set.
 */
public interface ProviderCounters {
  String tenantId();

  String providerId();

  long requests();

  long hits();

  long misses();

  long staleServes();

  long refreshSuccesses();

  long refreshErrors();

  /** Duration of the last completed refresh (success or failure), or null before the first. */
  Duration lastRefreshDuration();
}
