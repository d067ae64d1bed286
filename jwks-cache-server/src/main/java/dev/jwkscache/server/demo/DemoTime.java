package dev.jwkscache.server.demo;

import dev.jwkscache.Scheduler;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.PriorityQueue;

/**
 * The demo's clock and timer service: real time plus an offset that {@link #advance} moves
 * forward, so the demo can show expiry and stale-while-error in seconds instead of minutes.
 * Timers are due in this shifted time; one daemon thread runs them.
 */
final class DemoTime extends Clock implements Scheduler {
  private record Task(long due, long seq, Runnable run, boolean[] cancelled) {
  }

  private final PriorityQueue<Task> queue = new PriorityQueue<>(
      (a, b) -> a.due != b.due ? Long.compare(a.due, b.due) : Long.compare(a.seq, b.seq));
  private volatile long offsetMillis;
  private long seq;
  private boolean running;
  private boolean shutdown;
  private final Thread runner;

  DemoTime() {
    this(0);
  }

  /** Starts where another instance stood (a restarted registry sees the same time). */
  DemoTime(long offsetMillis) {
    this.offsetMillis = offsetMillis;
    runner = new Thread(this::loop, "demo-timers");
    runner.setDaemon(true);
    runner.start();
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    throw new UnsupportedOperationException();
  }

  @Override
  public long millis() {
    return System.currentTimeMillis() + offsetMillis;
  }

  @Override
  public Instant instant() {
    return Instant.ofEpochMilli(millis());
  }

  @Override
  public synchronized Cancellable schedule(Runnable task, Duration delay) {
    boolean[] cancelled = {false};
    queue.add(new Task(millis() + Math.max(0, delay.toMillis()), seq++, task, cancelled));
    notifyAll();
    return () -> {
      synchronized (DemoTime.this) {
        cancelled[0] = true;
      }
    };
  }

  /** Jumps forward and returns once every timer that fell due has run. */
  void advance(Duration d) throws InterruptedException {
    synchronized (this) {
      offsetMillis += d.toMillis();
      notifyAll();
      while (running || (!queue.isEmpty() && queue.peek().due <= millis())) {
        wait(10);
      }
    }
  }

  long offsetMillis() {
    return offsetMillis;
  }

  @Override
  public synchronized void shutdown() {
    shutdown = true;
    notifyAll();
  }

  private void loop() {
    while (true) {
      Task next;
      synchronized (this) {
        try {
          while (true) {
            if (shutdown) {
              return;
            }
            Task head = queue.peek();
            if (head != null && head.cancelled[0]) {
              queue.poll();
              continue;
            }
            long wait = head == null ? 1_000 : head.due - millis();
            if (wait <= 0) {
              break;
            }
            wait(Math.min(wait, 1_000));
          }
        } catch (InterruptedException e) {
          return;
        }
        next = queue.poll();
        running = true;
      }
      try {
        next.run.run();
      } catch (RuntimeException e) {
        // A timer task of the registry never throws; keep the loop alive if one does.
      } finally {
        synchronized (this) {
          running = false;
          notifyAll();
        }
      }
    }
  }
}
