package dev.jwkscache.bench.harness;

import dev.jwkscache.Scheduler;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A real-time {@link Scheduler} (one daemon thread, like the registry's default) whose timers are
 * due at instants of a {@link ShiftableClock}: after {@link #advance}, every pending timer is
 * re-armed for the new time, so a timer that the jump made due runs at once. This is how a
 * scenario lets our registry's set expire without waiting out its TTL; the registry's own code
 * runs unchanged.
 */
public final class ShiftingScheduler implements Scheduler {
  private final ShiftableClock clock;
  private final ScheduledThreadPoolExecutor executor;
  private final ConcurrentHashMap<Task, Boolean> pending = new ConcurrentHashMap<>();

  public ShiftingScheduler(ShiftableClock clock) {
    this.clock = clock;
    this.executor = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, "bench-shifting-timer");
      t.setDaemon(true);
      return t;
    });
    executor.setRemoveOnCancelPolicy(true);
  }

  private final class Task {
    final Runnable body;
    final long dueMillis;
    final AtomicBoolean done = new AtomicBoolean();
    volatile ScheduledFuture<?> future;

    Task(Runnable body, long dueMillis) {
      this.body = body;
      this.dueMillis = dueMillis;
    }

    void arm() {
      future = executor.schedule(this::run, Math.max(0, dueMillis - clock.millis()),
          TimeUnit.MILLISECONDS);
    }

    void run() {
      if (done.compareAndSet(false, true)) {
        pending.remove(this);
        body.run();
      }
    }

    void cancel() {
      done.set(true);
      pending.remove(this);
      ScheduledFuture<?> f = future;
      if (f != null) {
        f.cancel(false);
      }
    }
  }

  @Override
  public Cancellable schedule(Runnable task, Duration delay) {
    Task t = new Task(task, clock.millis() + Math.max(0, delay.toMillis()));
    pending.put(t, Boolean.TRUE);
    t.arm();
    return t::cancel;
  }

  /** Moves the clock and re-arms every pending timer for its due instant on the new time. */
  public void advance(Duration d) {
    clock.advance(d);
    for (Task t : pending.keySet()) {
      ScheduledFuture<?> f = t.future;
      if (f != null) {
        f.cancel(false);
      }
      if (!t.done.get()) {
        t.arm();
      }
    }
  }

  @Override
  public void shutdown() {
    executor.shutdownNow();
  }
}
