package dev.jwkscache.testing;

import dev.jwkscache.Scheduler;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.PriorityQueue;

/**
 * A clock and a scheduler that move only when the test says so. {@link #advance} runs every task
 * that falls due, in time order, on the calling thread, with the clock set to each task's time.
 */
public final class ManualTime extends Clock implements Scheduler {
  private record Task(long dueMillis, long seq, Runnable run, boolean[] cancelled) {
  }

  private final PriorityQueue<Task> queue = new PriorityQueue<>(
      (a, b) -> a.dueMillis != b.dueMillis ? Long.compare(a.dueMillis, b.dueMillis)
          : Long.compare(a.seq, b.seq));
  private volatile long nowMillis;
  private long seq;

  public ManualTime(Instant start) {
    this.nowMillis = start.toEpochMilli();
  }

  public ManualTime() {
    this(Instant.parse("2026-01-01T00:00:00Z"));
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
  public Instant instant() {
    return Instant.ofEpochMilli(nowMillis);
  }

  @Override
  public long millis() {
    return nowMillis;
  }

  @Override
  public synchronized Cancellable schedule(Runnable task, Duration delay) {
    boolean[] cancelled = {false};
    queue.add(new Task(nowMillis + Math.max(0, delay.toMillis()), seq++, task, cancelled));
    return () -> {
      synchronized (ManualTime.this) {
        cancelled[0] = true;
      }
    };
  }

  /** Moves time forward, running due tasks in order. */
  public void advance(Duration duration) {
    long target = nowMillis + duration.toMillis();
    for (;;) {
      Task next;
      synchronized (this) {
        next = queue.peek();
        if (next == null || next.dueMillis > target) {
          break;
        }
        queue.poll();
        if (next.cancelled[0]) {
          continue;
        }
        nowMillis = Math.max(nowMillis, next.dueMillis);
      }
      next.run.run();
    }
    nowMillis = target;
  }

  /** Tasks waiting, cancelled ones excluded. */
  public synchronized long pendingTasks() {
    return queue.stream().filter(t -> !t.cancelled[0]).count();
  }
}
