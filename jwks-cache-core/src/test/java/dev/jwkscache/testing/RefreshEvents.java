package dev.jwkscache.testing;

import dev.jwkscache.metrics.CacheEventListener;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** Lets a test wait for background refreshes to finish instead of sleeping. */
public final class RefreshEvents implements CacheEventListener {
  private final Semaphore done = new Semaphore(0);
  private final AtomicInteger successes = new AtomicInteger();
  private final AtomicInteger failures = new AtomicInteger();

  @Override
  public void onRefresh(String tenantId, String providerId, boolean success, Duration duration) {
    (success ? successes : failures).incrementAndGet();
    done.release();
  }

  /** Waits until {@code n} more refreshes have completed (10 s bound, then fails). */
  public void await(int n) {
    try {
      if (!done.tryAcquire(n, 10, TimeUnit.SECONDS)) {
        throw new AssertionError("expected " + n + " refreshes to complete; successes="
            + successes + " failures=" + failures);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** Forgets completions seen so far (the first load's, typically). */
  public void drain() {
    done.drainPermits();
  }

  public int successes() {
    return successes.get();
  }

  public int failures() {
    return failures.get();
  }
}
