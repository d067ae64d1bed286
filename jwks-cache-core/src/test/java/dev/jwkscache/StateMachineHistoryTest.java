package dev.jwkscache;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import dev.jwkscache.internal.cache.TransitionRecorder;
import dev.jwkscache.testing.ManualTime;
import dev.jwkscache.testing.RotatingUpstream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * A linearizability-style check of the per-pair state machine under contention. Every transition
 * of every pair is recorded by a test-only hook in ProviderCache (under the pair's monitor, so in
 * the order it happened); {@link TransitionRecorder} checks that each pair's history is one
 * unbroken chain of legal steps (DESIGN 3 and 4: EMPTY → LOADING → READY ⇄ REFRESHING, READY →
 * EMPTY only past the stale window or on a URL change, ...). Meanwhile sampler threads read
 * {@code providerStatus().state()} as fast as they can: every sampler's sequence of observations
 * must be a subsequence of the recorded history, i.e. the public view is consistent with one
 * linear order of the recorded transitions.
 *
 * <p>Contention: resolvers (sets, known, unknown and foreign kids, async), forced refreshes,
 * re-registrations that switch the URL or change settings, a flapping upstream (500, 503, hangs,
 * resets, malformed bodies, 304s), rotating keys, and a manual clock racing ahead so that every
 * pair expires, refreshes ahead, goes stale and is dropped many times. Bounded by the system
 * property {@code jwks.history.seconds} (default 6).
 */
class StateMachineHistoryTest {
  private static final String[] TENANTS = {"t0", "t1", "t2"};
  private static final String[] PROVIDERS = {"p0", "p1"};

  @Test
  void everyPairHistoryIsALegalChainAndEveryReaderSeesASubsequenceOfIt() throws Exception {
    long seconds = Long.getLong("jwks.history.seconds", 6);
    List<String> problems = new CopyOnWriteArrayList<>();
    Map<String, List<List<ProviderState>>> samples = new HashMap<>();
    ManualTime time = new ManualTime();
    Registry registry;
    TransitionRecorder recorder = TransitionRecorder.install();
    try (RotatingUpstream upstream = new RotatingUpstream(2)) {
      registry = Registry.builder().requireHttps(false).clock(time).scheduler(time)
          .fetchThreads(4).random(new SplittableRandom(11)).build();
      for (String t : TENANTS) {
        for (String p : PROVIDERS) {
          registry.register(registration(upstream, t, p, 0, 0));
          samples.put(t + "/" + p, new CopyOnWriteArrayList<>());
        }
      }
      upstream.flapping(true);
      AtomicBoolean stop = new AtomicBoolean();
      List<Thread> threads = new ArrayList<>();
      threads.add(worker("time", stop, problems, random -> {
        time.advance(Duration.ofMillis(200 + random.nextInt(800)));
        if (random.nextInt(20) == 0) {
          upstream.rotate();
        }
        Thread.sleep(1);
      }));
      for (int i = 0; i < 2; i++) {
        threads.add(worker("resolver-" + i, stop, problems,
            random -> resolveSomething(registry, random)));
      }
      threads.add(worker("re-register", stop, problems, random -> {
        String t = TENANTS[random.nextInt(TENANTS.length)];
        String p = PROVIDERS[random.nextInt(PROVIDERS.length)];
        registry.register(registration(upstream, t, p, random.nextInt(2), random.nextInt(3)));
        Thread.sleep(150);
      }));
      for (int i = 0; i < 2; i++) {
        threads.add(new Thread(() -> {
          Map<String, List<ProviderState>> mine = new HashMap<>();
          while (!stop.get()) {
            for (String t : TENANTS) {
              for (String p : PROVIDERS) {
                ProviderState s = registry.providerStatus(t, p).state();
                List<ProviderState> seq = mine.computeIfAbsent(t + "/" + p,
                    k -> new ArrayList<>());
                if (seq.isEmpty() || seq.get(seq.size() - 1) != s) {
                  seq.add(s);
                }
              }
            }
          }
          mine.forEach((pair, seq) -> samples.get(pair).add(seq));
        }, "sampler-" + i));
      }
      threads.forEach(Thread::start);
      Thread.sleep(seconds * 1000);
      stop.set(true);
      for (Thread th : threads) {
        th.join(20_000);
        assertThat(th.isAlive()).as(th.getName() + " stuck").isFalse();
      }
      registry.close();
    } finally {
      recorder.close();
    }

    assertThat(problems).isEmpty();
    List<String> violations = recorder.violations();
    assertThat(violations).as("illegal transitions").isEmpty();
    for (String t : TENANTS) {
      for (String p : PROVIDERS) {
        List<ProviderState> history = recorder.publicStates(t, p);
        for (List<ProviderState> seq : samples.get(t + "/" + p)) {
          assertThat(TransitionRecorder.isSubsequence(seq, history))
              .as("%s: a reader saw %s, not a subsequence of the recorded history", t + "/" + p,
                  seq)
              .isTrue();
        }
      }
    }
    Map<String, Long> causes = new java.util.TreeMap<>();
    for (String c : List.of("fetch-start", "fetch-success", "fetch-failure-kept",
        "fetch-failure-dropped", "expired", "stale-window-over", "url-change", "closed")) {
      causes.put(c, recorder.count(c));
    }
    System.out.println("state-machine history: " + recorder.transitions() + " transitions "
        + causes);
    // The scenario must have exercised the machine, or the check proves little.
    assertThat(causes.get("fetch-success")).isGreaterThan(10);
    assertThat(causes.get("fetch-failure-kept") + causes.get("fetch-failure-dropped"))
        .isGreaterThan(0);
    assertThat(causes.get("expired")).isGreaterThan(0);
    assertThat(causes.get("url-change")).isGreaterThan(0);
  }

  static ProviderRegistration registration(RotatingUpstream upstream, String t, String p,
      int server, int variant) {
    return ProviderRegistration.builder(t, p, upstream.url(server, t, p))
        .refreshEarly(Duration.ofSeconds(10))
        .staleWhileError(Duration.ofSeconds(variant == 0 ? 0 : 20 * variant))
        .negativeCacheTtl(variant == 2 ? Duration.ofSeconds(5) : Duration.ZERO)
        .unknownKidCooldown(Duration.ofSeconds(5))
        .prefetchJitter(Duration.ofSeconds(2))
        .maxTtl(Duration.ofMinutes(2))
        .retryPolicy(RetryPolicy.builder().maxRetries(1).attemptTimeout(Duration.ofMillis(250))
            // variant 1 backs off for (manual) seconds between background attempts, long enough
            // for a stale window to run out; inside a sequence such a delay ends it at once
            .initialBackoff(Duration.ofMillis(variant == 1 ? 40_000 : 10))
            .maxBackoff(Duration.ofMillis(variant == 1 ? 60_000 : 50))
            .deadline(Duration.ofMillis(600)).jitter(JitterStrategy.FULL).build())
        .build();
  }

  private static void resolveSomething(Registry registry, SplittableRandom random)
      throws Exception {
    String t = TENANTS[random.nextInt(TENANTS.length)];
    String p = PROVIDERS[random.nextInt(PROVIDERS.length)];
    String prefix = RotatingUpstream.kidPrefix(t, p);
    try {
      switch (random.nextInt(5)) {
        case 0 -> checkSet(registry.resolve(t, p), prefix);
        case 1 -> {
          JWKSet set = registry.resolve(t, p);
          checkSet(set, prefix);
          if (!set.getKeys().isEmpty()) {
            String kid = set.getKeys().get(random.nextInt(set.getKeys().size())).getKeyID();
            JWK key = registry.resolveKey(t, p, kid);
            if (!kid.equals(key.getKeyID())) {
              throw new AssertionError("asked for " + kid + ", got " + key.getKeyID());
            }
          }
        }
        case 2 -> registry.resolveKey(t, p, prefix + "v" + (1_000_000 + random.nextInt(9)));
        case 3 -> checkSet(registry.resolveAsync(t, p).get(10, TimeUnit.SECONDS), prefix);
        default -> checkSet(registry.refresh(t, p).get(10, TimeUnit.SECONDS), prefix);
      }
    } catch (ExecutionException e) {
      if (!(e.getCause() instanceof JwksCacheException)) {
        throw new AssertionError("undocumented failure " + e.getCause(), e.getCause());
      }
    } catch (TimeoutException e) {
      throw new AssertionError("a future did not complete within 10 s", e);
    } catch (JwksCacheException expected) {
      // documented; the upstream flaps
    }
  }

  private static void checkSet(JWKSet set, String prefix) {
    for (JWK k : set.getKeys()) {
      if (k.getKeyID() == null || !k.getKeyID().startsWith(prefix)) {
        throw new AssertionError("a set of " + prefix + "* holds key " + k.getKeyID());
      }
    }
  }

  @FunctionalInterface
  interface Step {
    void run(SplittableRandom random) throws Exception;
  }

  static Thread worker(String name, AtomicBoolean stop, List<String> problems, Step step) {
    SplittableRandom random = new SplittableRandom(name.hashCode());
    Thread t = new Thread(() -> {
      try {
        while (!stop.get()) {
          step.run(random);
        }
      } catch (Throwable e) {
        problems.add(name + ": " + e);
        e.printStackTrace();
        stop.set(true);
      }
    }, name);
    t.setDaemon(true);
    return t;
  }
}
