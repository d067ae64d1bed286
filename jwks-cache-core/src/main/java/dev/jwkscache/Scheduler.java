package dev.jwkscache;

import java.time.Duration;

/**
 * Runs the registry's timers: refresh-ahead, expiry and the end of the stale window. The default
 * is one small daemon thread shared by every pair; tests inject a scheduler driven by a manual
 * clock so that time moves without waiting. Tasks are short and never block.
 */
public interface Scheduler {
  /** Runs {@code task} once after {@code delay} (zero or negative: as soon as possible). */
  Cancellable schedule(Runnable task, Duration delay);

  /** Stops running tasks; called once by {@link Registry#close()}. */
  default void shutdown() {
  }

  /** A scheduled task that can be called off. */
  @FunctionalInterface
  interface Cancellable {
    void cancel();
  }
}
