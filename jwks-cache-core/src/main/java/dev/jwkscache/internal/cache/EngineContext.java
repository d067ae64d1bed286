package dev.jwkscache.internal.cache;

import dev.jwkscache.Scheduler;
import dev.jwkscache.metrics.CacheEventListener;
import java.time.Clock;
import java.util.concurrent.Executor;
import java.util.random.RandomGenerator;

/**
 * What every pair's cache shares: time, timers, the fetch threads, the upstream, randomness for
 * jitter, the event listener, and the hook that persists a newly stored payload.
 */
public record EngineContext(Clock clock, Scheduler scheduler, Executor fetchExecutor,
    Upstream upstream, RandomGenerator random, CacheEventListener listener,
    StoredPayloadHook onStored) {

  /** Called (off the lock, on a fetch thread) after a refresh stored a payload. */
  @FunctionalInterface
  public interface StoredPayloadHook {
    void stored(ProviderCache cache, Payload payload);
  }
}
