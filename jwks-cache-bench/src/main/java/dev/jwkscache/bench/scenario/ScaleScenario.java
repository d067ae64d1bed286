package dev.jwkscache.bench.scenario;

import static dev.jwkscache.bench.harness.Results.obj;

import com.sun.management.OperatingSystemMXBean;
import com.sun.management.ThreadMXBean;
import dev.jwkscache.Registry;
import dev.jwkscache.bench.Contender;
import dev.jwkscache.bench.KeyLookup;
import dev.jwkscache.bench.LoopbackJwks;
import dev.jwkscache.bench.harness.Latencies;
import dev.jwkscache.bench.harness.Results;
import java.lang.management.ManagementFactory;
import java.lang.ref.Reference;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Scenario 6, scale, for one contender per JVM: {@code pairs} pairs, each with the same 3-key set
 * under its own URL path, all fetched once (8 loader threads). Reports the time to create and to
 * load them, the upstream requests, the retained heap per pair (used heap after repeated
 * System.gc() after loading, minus the same before creating anything, divided by the pairs),
 * live threads, the latency of hits spread over all pairs (one thread, random pair per lookup),
 * and for {@code idle-seconds} > 0 the process CPU time used while idle.
 *
 * <p>Auth0's Guava cache holds one entry per kid, so it is asked for all three kids of each pair
 * to hold the same keys as the others (its URL provider keeps the whole fetched set, so that is
 * still one fetch per pair). The baseline has no loader: it parses the same
 * document once per pair.
 */
final class ScaleScenario {
  private ScaleScenario() {
  }

  static Map<String, Object> run(String[] args) throws Exception {
    String which = Results.arg(args, "contender", "ours");
    int pairs = Integer.parseInt(Results.arg(args, "pairs", "100000"));
    int idleSeconds = Integer.parseInt(Results.arg(args, "idle-seconds", "0"));
    int hitOps = Integer.parseInt(Results.arg(args, "hit-ops", "2000000"));
    Map<String, Object> out = obj();
    out.put("contender", which);
    out.put("pairs", pairs);

    try (LoopbackJwks up = LoopbackJwks.http()) {
      Contender c = switch (which) {
        case "ours" -> Contender.ours(Registry.builder().requireHttps(false).build());
        case "baseline" -> Contender.baseline(url -> up.defaultBody(), true);
        case "baseline-jwk-only" -> Contender.baseline(url -> up.defaultBody(), false);
        case "nimbus-defaults" -> Contender.nimbusDefaults();
        case "auth0" -> Contender.auth0Defaults();
        default -> throw new IllegalArgumentException("unknown contender " + which);
      };
      boolean auth0 = which.equals("auth0");
      boolean jwkOnly = which.equals("baseline-jwk-only");
      long heapBefore = usedAfterGc();
      int threadsBefore = ManagementFactory.getThreadMXBean().getThreadCount();

      KeyLookup[] lookups = new KeyLookup[pairs];
      long t0 = System.nanoTime();
      for (int i = 0; i < pairs; i++) {
        String pair = "p" + i;
        lookups[i] = c.create(pair, up.url("/" + pair + "/jwks"));
      }
      long t1 = System.nanoTime();
      ExecutorService loaders = Executors.newFixedThreadPool(8);
      AtomicInteger next = new AtomicInteger();
      AtomicInteger failed = new AtomicInteger();
      List<Future<?>> fs = new ArrayList<>();
      for (int w = 0; w < 8; w++) {
        fs.add(loaders.submit(() -> {
          for (int i = next.getAndIncrement(); i < pairs; i = next.getAndIncrement()) {
            try {
              if (auth0) {
                lookups[i].publicKey("key-1");
                lookups[i].publicKey("key-3");
              }
              if (lookups[i].jwk("key-2") == null) {
                failed.incrementAndGet();
              }
            } catch (Exception e) {
              failed.incrementAndGet();
            }
          }
        }));
      }
      for (Future<?> f : fs) {
        f.get();
      }
      loaders.shutdown();
      long t2 = System.nanoTime();
      out.put("create_ms", (t1 - t0) / 1e6);
      out.put("load_ms", (t2 - t1) / 1e6);
      out.put("load_failures", failed.get());
      out.put("upstream_requests", up.requests());
      System.out.printf("scale %s: created %d in %.0f ms, loaded in %.0f ms, %d requests%n",
          which, pairs, (t1 - t0) / 1e6, (t2 - t1) / 1e6, up.requests());

      Thread.sleep(500);
      long heapAfter = usedAfterGc();
      out.put("heap_before_bytes", heapBefore);
      out.put("heap_after_bytes", heapAfter);
      out.put("heap_per_pair_bytes", (heapAfter - heapBefore) / (double) pairs);
      int threadsAfter = ManagementFactory.getThreadMXBean().getThreadCount();
      out.put("threads_before", threadsBefore);
      out.put("threads_after", threadsAfter);
      System.out.printf("scale %s: %.0f bytes per pair, threads %d -> %d%n", which,
          (heapAfter - heapBefore) / (double) pairs, threadsBefore, threadsAfter);

      // hits spread over all pairs
      SplittableRandom r = new SplittableRandom(42);
      int[] order = new int[1 << 20];
      for (int i = 0; i < order.length; i++) {
        order[i] = r.nextInt(pairs);
      }
      Latencies hits = new Latencies();
      for (int round = 0; round < 2; round++) { // the first round warms up, the second counts
        hits = new Latencies();
        int ops = round == 0 ? Math.min(hitOps, 500_000) : hitOps;
        for (int i = 0; i < ops; i++) {
          KeyLookup l = lookups[order[i & (order.length - 1)]];
          long h0 = System.nanoTime();
          Object k = jwkOnly ? l.jwk("key-2") : l.publicKey("key-2");
          hits.record(System.nanoTime() - h0);
          if (k == null) {
            hits.fail();
          }
        }
      }
      out.put("hits_spread", hits.summary());
      System.out.printf("scale %s: hits %s%n", which, hits.summary());

      if (idleSeconds > 0) {
        out.put("idle", idle(idleSeconds));
      }
      Reference.reachabilityFence(lookups);
      c.close();
    }
    return out;
  }

  static long usedAfterGc() throws InterruptedException {
    Runtime rt = Runtime.getRuntime();
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 6; i++) {
      System.gc();
      Thread.sleep(100);
      used = Math.min(used, rt.totalMemory() - rt.freeMemory());
    }
    return used;
  }

  private static Map<String, Object> idle(int seconds) throws InterruptedException {
    OperatingSystemMXBean os =
        (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    ThreadMXBean tmx = (ThreadMXBean) ManagementFactory.getThreadMXBean();
    System.gc();
    Thread.sleep(1000);
    Map<Long, Long> cpu0 = threadCpu(tmx);
    long p0 = os.getProcessCpuTime();
    long w0 = System.nanoTime();
    Thread.sleep(seconds * 1000L);
    long p1 = os.getProcessCpuTime();
    long w1 = System.nanoTime();
    Map<Long, Long> cpu1 = threadCpu(tmx);
    List<Map<String, Object>> top = new ArrayList<>();
    List<Long> ids = new ArrayList<>(cpu1.keySet());
    ids.sort(Comparator.comparingLong(id -> -(cpu1.get(id) - cpu0.getOrDefault(id, 0L))));
    for (Long id : ids.subList(0, Math.min(6, ids.size()))) {
      var info = tmx.getThreadInfo(id);
      Map<String, Object> t = obj();
      t.put("thread", info == null ? "?" : info.getThreadName());
      t.put("cpu_ms", (cpu1.get(id) - cpu0.getOrDefault(id, 0L)) / 1e6);
      top.add(t);
    }
    Map<String, Object> m = obj();
    m.put("seconds", (w1 - w0) / 1e9);
    m.put("process_cpu_ms", (p1 - p0) / 1e6);
    m.put("cpu_percent_of_one_core", 100.0 * (p1 - p0) / (w1 - w0));
    m.put("threads", tmx.getThreadCount());
    m.put("top_threads", top);
    System.out.printf("scale idle: %s%n", m);
    return m;
  }

  private static Map<Long, Long> threadCpu(ThreadMXBean tmx) {
    Map<Long, Long> m = new HashMap<>();
    for (long id : tmx.getAllThreadIds()) {
      long t = tmx.getThreadCpuTime(id);
      if (t >= 0) {
        m.put(id, t);
      }
    }
    return m;
  }
}
