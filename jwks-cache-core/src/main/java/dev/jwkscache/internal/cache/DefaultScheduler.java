package dev.jwkscache.internal.cache;

import dev.jwkscache.Scheduler;
import java.time.Duration;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/** One daemon thread runs every pair's timers; cancelled timers leave the queue at once. */
public final class DefaultScheduler implements Scheduler {
  private static final Duration MAX_NANOS = Duration.ofNanos(Long.MAX_VALUE);
  private final ScheduledThreadPoolExecutor executor;

  public DefaultScheduler() {
    executor = new ScheduledThreadPoolExecutor(1, DaemonThreads.named("jwks-cache-timer"));
    executor.setRemoveOnCancelPolicy(true);
    executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
  }

  @Override
  public Cancellable schedule(Runnable task, Duration delay) {
    // Saturate: Duration.toNanos() throws past ~292 years, and a timer that far out never fires.
    long nanos = delay.compareTo(MAX_NANOS) >= 0 ? Long.MAX_VALUE : Math.max(0, delay.toNanos());
    var future = executor.schedule(task, nanos, TimeUnit.NANOSECONDS);
    return () -> future.cancel(false);
  }

  @Override
  public void shutdown() {
    executor.shutdownNow();
  }
}
