package dev.jwkscache.bench.scenario;

import static dev.jwkscache.bench.harness.Results.obj;

import dev.jwkscache.Registry;
import dev.jwkscache.bench.Contender;
import dev.jwkscache.bench.KeyLookup;
import dev.jwkscache.bench.LoopbackJwks;
import dev.jwkscache.bench.harness.Results;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.HttpsURLConnection;

/**
 * Scenario 2, cold stampede: {@code callers} threads wait on a latch, are released together
 * against a pair nothing has fetched yet, upstream answering after {@code latency} ms; each asks
 * for the PublicKey of "key-2". Per round: upstream requests, callers served, wall time from
 * release to the last caller's return. Over HTTP and HTTPS, a fresh pair (own path) per round.
 */
final class StampedeScenario {
  private StampedeScenario() {
  }

  static Map<String, Object> run(String[] args) throws Exception {
    int callers = Integer.parseInt(Results.arg(args, "callers", "256"));
    int latency = Integer.parseInt(Results.arg(args, "latency-ms", "200"));
    int rounds = Integer.parseInt(Results.arg(args, "rounds", "3"));
    Map<String, Object> out = obj();
    out.put("callers", callers);
    out.put("upstream_latency_ms", latency);
    out.put("rounds", rounds);
    for (String scheme : List.of("http", "https")) {
      Map<String, Object> bySchema = obj();
      try (LoopbackJwks up = "https".equals(scheme) ? LoopbackJwks.https() : LoopbackJwks.http()) {
        if (up.isHttps()) {
          HttpsURLConnection.setDefaultSSLSocketFactory(up.sslSocketFactory());
        }
        Registry.Builder rb = Registry.builder().requireHttps(up.isHttps());
        if (up.isHttps()) {
          rb.trustManager(up.trustManager());
        }
        List<Contender> contenders = List.of(Contender.ours(rb.build()),
            Contender.nimbusDefaults(), Contender.nimbusTolerant(), Contender.auth0Defaults());
        for (Contender c : contenders) {
          // An unmeasured first round per contender: class loading, TLS and JIT warm-up of the
          // JVM's first fetch are not what a stampede is about (reported apart).
          String warmPair = "stampede-" + c.name() + "-warmup";
          LoopbackJwks.PathState warmSt = up.path("/" + warmPair + "/jwks").latencyMillis(latency);
          Round warm = round(c.create(warmPair, up.url("/" + warmPair + "/jwks")), callers);
          List<Long> requests = new ArrayList<>();
          List<Integer> served = new ArrayList<>();
          List<Double> wallMs = new ArrayList<>();
          for (int r = 1; r <= rounds; r++) {
            String pair = "stampede-" + c.name() + "-" + r;
            String path = "/" + pair + "/jwks";
            LoopbackJwks.PathState st = up.path(path).latencyMillis(latency);
            KeyLookup lookup = c.create(pair, up.url(path));
            Round round = round(lookup, callers);
            requests.add(st.requests());
            served.add(round.served);
            wallMs.add(round.wallNanos / 1e6);
            System.out.printf("stampede %s %s round %d: %d requests, %d/%d served, %.1f ms%n",
                scheme, c.name(), r, st.requests(), round.served, callers,
                round.wallNanos / 1e6);
          }
          Map<String, Object> m = obj();
          m.put("first_round_in_jvm", Map.of("upstream_requests", warmSt.requests(),
              "served", warm.served, "wall_ms", warm.wallNanos / 1e6));
          m.put("upstream_requests", Results.spread(requests));
          m.put("served", Results.spread(served));
          m.put("wall_ms", Results.spread(wallMs));
          bySchema.put(c.name(), m);
          c.close();
        }
      }
      out.put(scheme, bySchema);
    }
    return out;
  }

  private record Round(int served, long wallNanos) {
  }

  private static Round round(KeyLookup lookup, int callers) throws InterruptedException {
    CountDownLatch ready = new CountDownLatch(callers);
    CountDownLatch go = new CountDownLatch(1);
    AtomicInteger served = new AtomicInteger();
    AtomicLong lastEnd = new AtomicLong();
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < callers; i++) {
      Thread t = new Thread(() -> {
        ready.countDown();
        try {
          go.await();
          if (lookup.publicKey("key-2") != null) {
            served.incrementAndGet();
          }
        } catch (Exception e) {
          // not served
        }
        long end = System.nanoTime();
        lastEnd.accumulateAndGet(end, Math::max);
      });
      t.setDaemon(true);
      threads.add(t);
      t.start();
    }
    ready.await();
    Thread.sleep(50); // let every caller reach go.await()
    long start = System.nanoTime();
    go.countDown();
    for (Thread t : threads) {
      t.join(60_000);
    }
    return new Round(served.get(), lastEnd.get() - start);
  }
}
