package dev.jwkscache.bench.scenario;

import static dev.jwkscache.bench.harness.Results.obj;

import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import dev.jwkscache.ProviderRegistration;
import dev.jwkscache.Registry;
import dev.jwkscache.bench.Contender;
import dev.jwkscache.bench.KeyLookup;
import dev.jwkscache.bench.LoopbackJwks;
import dev.jwkscache.bench.LoopbackJwks.Mode;
import dev.jwkscache.bench.harness.Load;
import dev.jwkscache.bench.harness.Results;
import dev.jwkscache.bench.harness.ShiftableClock;
import dev.jwkscache.bench.harness.ShiftingScheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Scenario 3, an outage inside the stale window: the cached set has expired and upstream answers
 * 500 (or hangs); {@code threads} threads ask for the PublicKey of "key-2" back to back for
 * {@code seconds}. Before it, the same threads run {@code fresh-seconds} against the fresh cache
 * (the reference p99).
 *
 * <p>How each contender gets an expired set: the peers are built with their defaults except a
 * cache TTL of {@code peer-ttl-seconds} (45 s is the shortest that Nimbus's refresh-ahead defaults
 * accept: 30 s ahead + 15 s refresh timeout), loaded, and left idle until it has passed; their
 * expiry is checked on access, so the outage starts at their first lookup. Ours refreshes ahead
 * and expires on a timer, so idling would only show refresh-ahead working; instead our registry
 * runs on a {@link ShiftableClock} and the upstream is switched off the moment its clock jumps
 * 61 s, past the 60 s TTL of our path ({@code max-age=60}), with stale_while_error 1 h and the
 * default retry policy (3 attempts, 3 s per attempt, 8 s deadline).
 */
final class OutageScenario {
  private OutageScenario() {
  }

  private record Case(String contender, Mode mode, KeyLookup lookup, String path) {
  }

  static Map<String, Object> run(String[] args) throws Exception {
    int threads = Integer.parseInt(Results.arg(args, "threads", "8"));
    int seconds = Integer.parseInt(Results.arg(args, "seconds", "10"));
    double freshSeconds = Double.parseDouble(Results.arg(args, "fresh-seconds", "3"));
    int peerTtl = Integer.parseInt(Results.arg(args, "peer-ttl-seconds", "45"));
    // --only=ours skips the peers (and their 45 s wait), for profiling ours alone
    boolean oursOnly = "ours".equals(Results.arg(args, "only", ""));
    Duration run = Duration.ofSeconds(seconds);
    Duration fresh = Duration.ofMillis((long) (freshSeconds * 1000));
    Map<String, Object> out = obj();
    out.put("threads", threads);
    out.put("seconds", seconds);
    out.put("fresh_seconds", freshSeconds);
    out.put("peer_ttl_seconds", peerTtl);
    Map<String, Object> results = obj();
    out.put("results", results);

    try (LoopbackJwks up = LoopbackJwks.http()) {
      long ttlMs = peerTtl * 1000L;
      List<Contender> peers = oursOnly ? List.of() : List.of(
          Contender.nimbus("nimbus-defaults",
              b -> b.cache(ttlMs, JWKSourceBuilder.DEFAULT_CACHE_REFRESH_TIMEOUT)),
          Contender.nimbus("nimbus-tolerant",
              b -> b.cache(ttlMs, JWKSourceBuilder.DEFAULT_CACHE_REFRESH_TIMEOUT)
                  .refreshAheadCache(true).outageTolerant(true)),
          Contender.auth0("auth0",
              b -> b.cached(5, peerTtl, TimeUnit.SECONDS).rateLimited(10, 1, TimeUnit.MINUTES)));

      // 1. peers: load, then the fresh reference run, before their TTL can pass.
      List<Case> peerCases = new ArrayList<>();
      for (Contender c : peers) {
        for (Mode mode : List.of(Mode.FAIL, Mode.HANG)) {
          String pair = "outage-" + c.name() + "-" + mode.name().toLowerCase();
          String path = "/" + pair + "/jwks";
          up.path(path);
          KeyLookup lookup = c.create(pair, up.url(path));
          if (lookup.publicKey("key-2") == null) {
            throw new IllegalStateException(c + " did not load");
          }
          peerCases.add(new Case(c.name(), mode, lookup, path));
        }
      }
      for (Case k : peerCases) {
        Load.Outcome f = Load.run(threads, fresh, () -> k.lookup.publicKey("key-2"), null,
            Duration.ofSeconds(5));
        Map<String, Object> m = obj();
        m.put("fresh", f.latencies().summary());
        results.put(key(k), m);
      }

      // 2. ours, on a clock that can jump.
      for (Mode mode : List.of(Mode.FAIL, Mode.HANG)) {
        ShiftableClock clock = new ShiftableClock();
        ShiftingScheduler scheduler = new ShiftingScheduler(clock);
        Registry registry = Registry.builder().requireHttps(false).clock(clock)
            .scheduler(scheduler).build();
        Contender ours = Contender.ours("ours", registry,
            b -> b.staleWhileError(Duration.ofHours(1)));
        String pair = "outage-ours-" + mode.name().toLowerCase();
        String path = "/" + pair + "/jwks";
        LoopbackJwks.PathState st = up.path(path).cacheControl("max-age=60");
        KeyLookup lookup = ours.create(pair, up.url(path));
        if (lookup.publicKey("key-2") == null) {
          throw new IllegalStateException("ours did not load");
        }
        Case k = new Case("ours", mode, lookup, path);
        Map<String, Object> m = obj();
        m.put("fresh", Load.run(threads, fresh, () -> lookup.publicKey("key-2"), null,
            Duration.ofSeconds(5)).latencies().summary());
        st.mode(mode);
        long before = st.requests();
        scheduler.advance(Duration.ofSeconds(61));
        Load.Outcome o = Load.run(threads, run, () -> lookup.publicKey("key-2"),
            up::releaseHung, Duration.ofSeconds(20));
        record(m, o, st.requests() - before, k);
        m.put("status_after", registry.providerStatus(pair, "idp").toString());
        results.put(key(k), m);
        st.mode(Mode.OK);
        up.releaseHung();
        ours.close();
      }

      // 3. peers, once their TTL has passed since their last successful fetch.
      for (Case k : peerCases) {
        LoopbackJwks.PathState st = up.path(k.path);
        long expiredAt = st.lastOkNanos() + ttlMs * 1_000_000L + 1_000_000_000L;
        long wait = expiredAt - System.nanoTime();
        if (wait > 0) {
          System.out.printf("outage: waiting %.1f s for %s's TTL to pass%n", wait / 1e9,
              k.contender);
          Thread.sleep(wait / 1_000_000);
        }
        st.mode(k.mode);
        long before = st.requests();
        Load.Outcome o = Load.run(threads, run, () -> k.lookup.publicKey("key-2"),
            up::releaseHung, Duration.ofSeconds(20));
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) results.get(key(k));
        record(m, o, st.requests() - before, k);
        st.mode(Mode.OK);
        up.releaseHung();
      }
      for (Contender c : peers) {
        c.close();
      }
    }
    return out;
  }

  private static String key(Case k) {
    return k.contender + "/" + (k.mode == Mode.FAIL ? "500" : "hang");
  }

  private static void record(Map<String, Object> m, Load.Outcome o, long requests, Case k) {
    Map<String, Object> s = o.latencies().summary();
    s.put("over_1ms", o.latencies().countAbove(1_000_000));
    s.put("over_100ms", o.latencies().countAbove(100_000_000));
    s.put("stuck_threads", o.stuckThreads());
    m.put("outage", s);
    m.put("upstream_requests", requests);
    System.out.printf("outage %s: %s, %d upstream requests%n", key(k), s, requests);
  }
}
