package dev.jwkscache.internal.cache;

import dev.jwkscache.Scheduler;
import java.time.Duration;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/** One daemon thread runs every pair's timers; cancelled timers leave the queue at once. */
public final class DefaultScheduler implements Scheduler {
  private final ScheduledThreadPoolExecutor executor;

  public DefaultScheduler() {
    executor = new ScheduledThreadPoolExecutor(1, DaemonThreads.named("jwks-cache-timer"));
    executor.setRemoveOnCancelPolicy(true);
    executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
  }

  @Override
  public Cancellable schedule(Runnable task, Duration delay) {
    var future = executor.schedule(task, Math.max(0, delay.toNanos()), TimeUnit.NANOSECONDS);
    return () -> future.cancel(false);
  }

  @Override
  public void shutdown() {
    executor.shutdownNow();
  }
}
