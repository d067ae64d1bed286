package dev.jwkscache.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToDoubleFunction;

/**
 * Publishes the registry's counters to Micrometer under the names of DESIGN section 8 (in
 * Prometheus: {@code jwks_cache_requests_total}, {@code jwks_cache_hits_total}, {@code
 * jwks_cache_misses_total}, {@code jwks_cache_stale_total}, {@code
 * jwks_cache_refresh_total{status}}, {@code jwks_cache_refresh_errors_total}, {@code
 * jwks_cache_refresh_duration_seconds}), labelled {@code tenant} and {@code provider}.
 *
 * <p>Counters are function counters that read the registry's own adders when scraped, so the
 * resolve path never touches Micrometer. Micrometer is an optional dependency: only this class
 * needs it.
 */
public final class MicrometerMetrics implements CacheEventListener {
  private final MeterRegistry meters;
  private final Map<String, List<Meter>> byPair = new ConcurrentHashMap<>();

  public MicrometerMetrics(MeterRegistry meters) {
    this.meters = meters;
  }

  @Override
  public void onRegistered(ProviderCounters c) {
    Tags tags = tags(c.tenantId(), c.providerId());
    List<Meter> registered = new ArrayList<>();
    registered.add(counter("jwks_cache_requests", "Resolves served or attempted", c, tags,
        ProviderCounters::requests));
    registered.add(counter("jwks_cache_hits", "Resolves answered from the cache without "
        + "waiting for upstream", c, tags, ProviderCounters::hits));
    registered.add(counter("jwks_cache_misses", "Resolves that waited for upstream or failed",
        c, tags, ProviderCounters::misses));
    registered.add(counter("jwks_cache_stale", "Answers that served an expired set", c, tags,
        ProviderCounters::staleServes));
    registered.add(counter("jwks_cache_refresh", "Completed refreshes by outcome", c,
        tags.and("status", "success"), ProviderCounters::refreshSuccesses));
    registered.add(counter("jwks_cache_refresh", "Completed refreshes by outcome", c,
        tags.and("status", "error"), ProviderCounters::refreshErrors));
    registered.add(counter("jwks_cache_refresh_errors", "Failed refreshes", c, tags,
        ProviderCounters::refreshErrors));
    registered.add(timer(tags));
    byPair.put(key(c.tenantId(), c.providerId()), registered);
  }

  @Override
  public void onUnregistered(String tenantId, String providerId) {
    List<Meter> registered = byPair.remove(key(tenantId, providerId));
    if (registered != null) {
      registered.forEach(meters::remove);
    }
  }

  @Override
  public void onRefresh(String tenantId, String providerId, boolean success, Duration duration) {
    timer(tags(tenantId, providerId)).record(duration);
  }

  @Override
  public void onPersistenceFailure(String tenantId, String providerId, String reason) {
    Counter.builder("jwks_cache_persistence_failures")
        .description("Snapshot store failures and refused snapshots")
        .tags(tags(tenantId == null ? "" : tenantId, providerId == null ? "" : providerId))
        .register(meters).increment();
  }

  private Meter counter(String name, String description, ProviderCounters c, Tags tags,
      ToDoubleFunction<ProviderCounters> read) {
    return FunctionCounter.builder(name, c, read).description(description).tags(tags)
        .register(meters);
  }

  private Timer timer(Tags tags) {
    return Timer.builder("jwks_cache_refresh_duration").description("Refresh (fetch sequence) time")
        .tags(tags).register(meters);
  }

  private static Tags tags(String tenant, String provider) {
    return Tags.of("tenant", tenant, "provider", provider);
  }

  private static String key(String tenant, String provider) {
    return tenant + '\u0000' + provider;
  }
}
