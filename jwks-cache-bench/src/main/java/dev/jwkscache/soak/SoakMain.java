package dev.jwkscache.soak;

import dev.jwkscache.JwksCacheException;
import dev.jwkscache.ProviderRegistration;
import dev.jwkscache.ProviderStatus;
import dev.jwkscache.Registry;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Soak scenario of issue 8 (not part of CI): many pairs (default 1,000) against one loopback
 * upstream that flaps between healthy, slow and failing, resolved by a few threads (default 2)
 * for N minutes (default 10). Every minute it prints resolves per second, p50 / p99 / max
 * latency, upstream requests per pair, heap used after a full GC, thread counts, and the
 * resolves that failed, split into those that failed while a stale set was servable (must be 0)
 * and the rest.
 *
 * <p>"Servable" is decided from outside: a poller reads every pair's expires_at each second, and
 * a resolve that failed at time t is counted as "failed while servable" when t is before the
 * last expires_at seen for that pair plus stale_while_error. The cache drops a set only after
 * that instant, so such a failure is always a broken promise.
 *
 * <pre>
 *   mvn -q -pl jwks-cache-bench -am package -DskipTests
 *   java -Xmx512m -cp jwks-cache-bench/target/benchmarks.jar dev.jwkscache.soak.SoakMain \
 *       --minutes 10 [--pairs 1000] [--threads 2] [--healthy 40 --slow 20 --failing 30]
 * </pre>
 *
 * Exits with status 1 when a resolve failed while a stale set was servable.
 */
public final class SoakMain {
  private static final Duration STALE_WHILE_ERROR = Duration.ofSeconds(60);

  private SoakMain() {
  }

  public static void main(String[] args) throws Exception {
    if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
      // thousands of expected refresh failures would drown the figures
      System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "error");
    }
    Map<String, String> opts = parse(args);
    double minutes = Double.parseDouble(opts.getOrDefault("minutes", "10"));
    int pairCount = Integer.parseInt(opts.getOrDefault("pairs", "1000"));
    int threads = Integer.parseInt(opts.getOrDefault("threads", "2"));
    long healthy = Long.parseLong(opts.getOrDefault("healthy", "40"));
    long slow = Long.parseLong(opts.getOrDefault("slow", "20"));
    long failing = Long.parseLong(opts.getOrDefault("failing", "30"));
    long intervalMillis = (long) (Double.parseDouble(opts.getOrDefault("interval", "60")) * 1000);
    new SoakMain().run(minutes, pairCount, threads, healthy, slow, failing, intervalMillis);
  }

  private void run(double minutes, int pairCount, int threadCount, long healthy, long slow,
      long failing, long intervalMillis) throws Exception {
    System.out.printf(Locale.ROOT, "soak: %d pairs, %d resolving threads, %.1f min, upstream "
            + "cycle healthy %d s / slow %d s / failing %d s, stale_while_error %d s, %s%n",
        pairCount, threadCount, minutes, healthy, slow, failing, STALE_WHILE_ERROR.toSeconds(),
        Runtime.version());
    try (FlappingUpstream upstream = new FlappingUpstream(healthy, slow, failing);
        Registry registry = Registry.builder().requireHttps(false).build()) {
      String[] tenants = new String[pairCount];
      String[] providers = new String[pairCount];
      String[] kids = new String[pairCount];
      Map<String, Integer> index = new HashMap<>();
      for (int i = 0; i < pairCount; i++) {
        tenants[i] = String.format(Locale.ROOT, "tenant-%04d", i / 5);
        providers[i] = "idp-" + (i % 5);
        kids[i] = FlappingUpstream.kid(tenants[i], providers[i]);
        index.put(tenants[i] + "/" + providers[i], i);
        registry.register(ProviderRegistration.builder(tenants[i], providers[i],
            upstream.url(tenants[i], providers[i])).staleWhileError(STALE_WHILE_ERROR).build());
      }
      long t0 = System.nanoTime();
      List<CompletableFuture<?>> warm = new ArrayList<>();
      for (int i = 0; i < pairCount; i++) {
        warm.add(registry.resolveAsync(tenants[i], providers[i])
            .exceptionally(e -> null));
      }
      CompletableFuture.allOf(warm.toArray(CompletableFuture[]::new)).join();
      System.out.printf(Locale.ROOT, "warm-up: %d pairs loaded in %d ms (%d upstream requests)%n",
          pairCount, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0), upstream.requests());

      // last expires_at seen per pair (epoch millis), for the "servable" verdict
      AtomicLongArray lastExpiry = new AtomicLongArray(pairCount);
      AtomicBoolean stop = new AtomicBoolean();
      Thread poller = new Thread(() -> {
        while (!stop.get()) {
          for (ProviderStatus s : registry.allStatuses()) {
            if (s.expiresAt() != null) {
              int i = index.get(s.tenantId() + "/" + s.providerId());
              lastExpiry.accumulateAndGet(i, s.expiresAt().toEpochMilli(), Math::max);
            }
          }
          sleep(1_000);
        }
      }, "soak-poller");
      poller.setDaemon(true);
      poller.start();
      sleep(1_500); // one full poll before measuring

      Worker[] workers = new Worker[threadCount];
      for (int w = 0; w < threadCount; w++) {
        workers[w] = new Worker(registry, tenants, providers, kids, lastExpiry, stop);
        workers[w].thread = new Thread(workers[w], "soak-resolver-" + w);
        workers[w].thread.start();
      }

      System.out.println("| t (s) | phase now | resolves/s | p50 µs | p99 µs | max ms | upstream "
          + "req/pair/min | heap MiB after GC | threads (jwks-cache-*) | failed | failed while "
          + "servable |");
      System.out.println("|---|---|---|---|---|---|---|---|---|---|---|");
      long measureStart = System.nanoTime();
      long end = measureStart + (long) (minutes * 60e9);
      long upstreamBefore = upstream.requests();
      long totalResolves = 0;
      long totalFailed = 0;
      long totalServableFailures = 0;
      long worstMaxNanos = 0;
      long[] total = new long[Histogram.SIZE];
      List<Long> heaps = new ArrayList<>();
      List<Integer> threadCounts = new ArrayList<>();
      while (System.nanoTime() < end) {
        long intervalStart = System.nanoTime();
        sleep(Math.min(intervalMillis, Math.max(1, (end - intervalStart) / 1_000_000)));
        long elapsed = System.nanoTime() - intervalStart;
        Histogram h = new Histogram();
        long failed = 0;
        long servable = 0;
        for (Worker w : workers) {
          Worker.Cut cut = w.cut();
          h.add(cut.histogram());
          failed += cut.failed();
          servable += cut.failedWhileServable();
        }
        h.addTo(total);
        long upstreamNow = upstream.requests();
        double perPair = (upstreamNow - upstreamBefore) / (double) pairCount;
        upstreamBefore = upstreamNow;
        System.gc();
        long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        int threads = ManagementFactory.getThreadMXBean().getThreadCount();
        long ours = Thread.getAllStackTraces().keySet().stream()
            .filter(t -> t.getName().startsWith("jwks-cache-")).count();
        heaps.add(heap);
        threadCounts.add(threads);
        totalResolves += h.count();
        totalFailed += failed;
        totalServableFailures += servable;
        worstMaxNanos = Math.max(worstMaxNanos, h.max());
        System.out.printf(Locale.ROOT, "| %d | %s | %,.0f | %.2f | %.1f | %.1f | %.2f | %.1f | %d "
                + "(%d) | %d | %d |%n", (System.nanoTime() - measureStart) / 1_000_000_000L,
            upstream.phase(),
            h.count() / (elapsed / 1e9), h.percentile(0.50) / 1e3, h.percentile(0.99) / 1e3,
            h.max() / 1e6, perPair * 60_000.0 / (elapsed / 1e6), heap / 1048576.0, threads, ours,
            failed, servable);
      }
      stop.set(true);
      for (Worker w : workers) {
        w.thread.join(30_000);
      }
      Histogram all = Histogram.of(total);
      System.out.printf(Locale.ROOT, "total: %,d resolves, p50 %.2f µs, p99 %.1f µs, max %.1f ms,"
              + " %d failed (%d while a stale set was servable), upstream %,d requests "
              + "(%d failed on purpose), heap after GC first/last %.1f / %.1f MiB, threads "
              + "first/last %d / %d%n", totalResolves, all.percentile(0.50) / 1e3,
          all.percentile(0.99) / 1e3, worstMaxNanos / 1e6, totalFailed, totalServableFailures,
          upstream.requests(), upstream.failures(), heaps.get(0) / 1048576.0,
          heaps.get(heaps.size() - 1) / 1048576.0, threadCounts.get(0),
          threadCounts.get(threadCounts.size() - 1));
      if (totalServableFailures > 0) {
        System.out.println("FAIL: resolves failed while a stale set was servable");
        System.exit(1);
      }
    }
  }

  /**
   * One resolving thread. It records into the histogram it reads from a volatile field; a cut
   * swaps in a fresh one, so the reporter never waits for a resolve that is blocked on upstream
   * (a record racing with the swap can land in either interval).
   */
  private static final class Worker implements Runnable {
    record Cut(Histogram histogram, long failed, long failedWhileServable) {
    }

    private final Registry registry;
    private final String[] tenants;
    private final String[] providers;
    private final String[] kids;
    private final AtomicLongArray lastExpiry;
    private final AtomicBoolean stop;
    Thread thread;
    private volatile Histogram histogram = new Histogram();

    Worker(Registry registry, String[] tenants, String[] providers, String[] kids,
        AtomicLongArray lastExpiry, AtomicBoolean stop) {
      this.registry = registry;
      this.tenants = tenants;
      this.providers = providers;
      this.kids = kids;
      this.lastExpiry = lastExpiry;
      this.stop = stop;
    }

    Cut cut() {
      Histogram old = histogram;
      histogram = new Histogram();
      sleep(20); // let a record in progress land
      return new Cut(old, old.failed, old.failedWhileServable);
    }

    @Override
    public void run() {
      ThreadLocalRandom random = ThreadLocalRandom.current();
      int n = tenants.length;
      boolean key = false;
      while (!stop.get()) {
        int i = random.nextInt(n);
        key = !key;
        long start = System.nanoTime();
        try {
          if (key) {
            registry.resolveKey(tenants[i], providers[i], kids[i]);
          } else {
            registry.resolve(tenants[i], providers[i]);
          }
          histogram.record(System.nanoTime() - start);
        } catch (JwksCacheException e) {
          Histogram h = histogram;
          h.record(System.nanoTime() - start);
          h.failed++;
          long seen = lastExpiry.get(i);
          if (seen > 0 && System.currentTimeMillis() < seen + STALE_WHILE_ERROR.toMillis()) {
            h.failedWhileServable++;
            System.err.println("failed while servable: " + tenants[i] + "/" + providers[i]
                + ": " + e);
          } else {
            System.err.println("failed (nothing servable): " + tenants[i] + "/"
                + providers[i] + ": " + e.getMessage());
          }
        }
      }
    }
  }

  /**
   * Log-linear latency histogram: 16 sub-buckets per power of two (about 6 % resolution), exact
   * count and max.
   */
  static final class Histogram {
    static final int SIZE = 64 * 16;
    private final long[] buckets;
    private long count;
    private long max;
    long failed;
    long failedWhileServable;

    Histogram() {
      this(new long[SIZE]);
    }

    private Histogram(long[] buckets) {
      this.buckets = buckets;
    }

    static Histogram of(long[] buckets) {
      Histogram h = new Histogram(buckets.clone());
      for (int i = 0; i < SIZE; i++) {
        h.count += buckets[i];
        if (buckets[i] > 0) {
          h.max = upper(i);
        }
      }
      return h;
    }

    void record(long nanos) {
      long v = Math.max(1, nanos);
      buckets[index(v)]++;
      count++;
      if (v > max) {
        max = v;
      }
    }

    private static int index(long v) {
      int msb = 63 - Long.numberOfLeadingZeros(v);
      if (msb < 4) {
        return (int) v;
      }
      int sub = (int) ((v >>> (msb - 4)) & 15);
      return msb * 16 + sub;
    }

    private static long upper(int index) {
      int msb = index / 16;
      int sub = index % 16;
      if (msb < 4) {
        return index;
      }
      return ((16L + sub + 1) << (msb - 4)) - 1;
    }

    void add(Histogram other) {
      for (int i = 0; i < SIZE; i++) {
        buckets[i] += other.buckets[i];
      }
      count += other.count;
      max = Math.max(max, other.max);
    }

    void addTo(long[] target) {
      for (int i = 0; i < SIZE; i++) {
        target[i] += buckets[i];
      }
    }

    long count() {
      return count;
    }

    long max() {
      return max;
    }

    /** The upper bound of the bucket holding this quantile. */
    long percentile(double q) {
      long rank = (long) Math.ceil(q * count);
      long seen = 0;
      for (int i = 0; i < SIZE; i++) {
        seen += buckets[i];
        if (seen >= rank && seen > 0) {
          return Math.min(upper(i), max);
        }
      }
      return max;
    }
  }

  private static Map<String, String> parse(String[] args) {
    Map<String, String> out = new HashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      if (!args[i].startsWith("--")) {
        throw new IllegalArgumentException("expected --name value, got " + args[i]);
      }
      out.put(args[i].substring(2), args[i + 1]);
    }
    return out;
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
