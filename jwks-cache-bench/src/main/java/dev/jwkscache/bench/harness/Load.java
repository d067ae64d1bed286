package dev.jwkscache.bench.harness;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** Runs lookups from several threads for a while and records every lookup's latency. */
public final class Load {
  private Load() {
  }

  /** One lookup; null or an exception is a failed lookup. */
  @FunctionalInterface
  public interface Op {
    Object call() throws Exception;
  }

  /** What a run produced. */
  public record Outcome(Latencies latencies, int stuckThreads, long wallNanos) {
  }

  /**
   * {@code threads} threads call {@code op} back to back for {@code duration}. At the deadline
   * {@code atDeadline} runs (to release requests an upstream is holding), then the threads get
   * {@code grace} to return; a thread still blocked after that is reported as stuck (its current
   * lookup is not recorded).
   */
  public static Outcome run(int threads, Duration duration, Op op, Runnable atDeadline,
      Duration grace) throws InterruptedException {
    List<Latencies> perThread = new ArrayList<>();
    List<Thread> workers = new ArrayList<>();
    long start = System.nanoTime();
    long deadline = start + duration.toNanos();
    AtomicInteger finished = new AtomicInteger();
    for (int i = 0; i < threads; i++) {
      Latencies l = new Latencies();
      perThread.add(l);
      Thread t = new Thread(() -> {
        while (System.nanoTime() < deadline) {
          long t0 = System.nanoTime();
          boolean ok;
          try {
            ok = op.call() != null;
          } catch (Exception e) {
            ok = false;
          }
          long t1 = System.nanoTime();
          // Only this thread writes l; the caller reads it after join().
          l.record(t1 - t0);
          if (!ok) {
            l.fail();
          }
        }
        finished.incrementAndGet();
      }, "load-" + i);
      t.setDaemon(true);
      workers.add(t);
      t.start();
    }
    long sleep = deadline - System.nanoTime();
    if (sleep > 0) {
      Thread.sleep(sleep / 1_000_000, (int) (sleep % 1_000_000));
    }
    if (atDeadline != null) {
      atDeadline.run();
    }
    long graceEnd = System.nanoTime() + grace.toNanos();
    for (Thread t : workers) {
      long left = graceEnd - System.nanoTime();
      if (left > 0) {
        t.join(Math.max(1, left / 1_000_000));
      }
    }
    if (atDeadline != null) {
      atDeadline.run();
    }
    long wall = System.nanoTime() - start;
    Latencies all = new Latencies();
    for (Latencies l : perThread) {
      all.add(l);
    }
    return new Outcome(all, threads - finished.get(), wall);
  }
}
