package dev.jwkscache;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import dev.jwkscache.internal.cache.TransitionRecorder;
import dev.jwkscache.metrics.CacheEventListener;
import dev.jwkscache.metrics.ProviderCounters;
import dev.jwkscache.persist.FileSnapshotStore;
import dev.jwkscache.testing.ManualTime;
import dev.jwkscache.testing.RotatingUpstream;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bounded concurrency stress of the public API (issue 8). Worker threads run random register /
 * re-register (same URL, or a switch to another server) / unregister / resolve / resolveKey
 * (known, rotated-away, unknown and other pairs' kids) / resolvePublicKey / resolveAsync /
 * resolveKeyAsync / refresh / status / allStatuses / persistAll / bad-id calls on two shared
 * registries: one on a manual clock that a time thread races ahead (every pair expires, refreshes
 * ahead, goes stale, is dropped, many times), one on the real clock and the default scheduler.
 * Both persist to file stores in a temporary directory and restore on register. The loopback
 * upstreams rotate their keys and flap (500, 503, hangs past the attempt timeout, resets,
 * malformed JSON, 304s).
 *
 * <p>Invariants, checked on every call: a set only holds the pair's own keys (their kids encode
 * the pair); a key returned for a kid has that kid; a foreign or unknown kid is never answered
 * with a key; nothing but the documented {@link JwksCacheException} types is thrown, and a
 * future fails only with them; no call or future hangs; a pair that is registered (strict pairs,
 * whose (un)registration is serialised against their calls) never answers "not registered", and
 * an unregistered one always does; statuses are consistent. At the end: counters add up
 * (requests = hits + misses per pair; for strict pairs requests = the calls made exactly); the
 * recorded state-machine history is legal; after close no {@code jwks-cache-*} thread is left
 * (bounded wait).
 *
 * <p>Runs {@code jwks.stress.seconds} seconds (default 20).
 */
class RegistryStressTest {
  private static final long SECONDS = Long.getLong("jwks.stress.seconds", 20);
  private static final String[] TENANTS = {"t0", "t1", "t2", "t3"};
  private static final String[] PROVIDERS = {"p0", "p1", "p2"};
  private static final int WORKERS = 4;

  @TempDir
  Path dir;

  /** One tenant/provider pair of one registry. */
  private final class Pair {
    final int registry;
    final String tenant;
    final String provider;
    /** Strict pairs serialise (un)registration against their calls: exact accounting. */
    final boolean strict;
    final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    volatile boolean registered;
    volatile int server;
    /** Kids of the last set a resolve returned: mostly cached, sometimes rotated away. */
    volatile List<String> seenKids = List.of();
    final LongAdder attempts = new LongAdder();
    final LongAdder successes = new LongAdder();

    Pair(int registry, String tenant, String provider, boolean strict) {
      this.registry = registry;
      this.tenant = tenant;
      this.provider = provider;
      this.strict = strict;
    }

    String key() {
      return registry + ":" + tenant + "/" + provider;
    }

    String prefix() {
      return RotatingUpstream.kidPrefix(tenant, provider);
    }
  }

  private final List<Pair> pairs = new ArrayList<>();
  private final Map<String, Pair> byKey = new ConcurrentHashMap<>();
  /** Every counters object a registry handed out, per pair, in registration order. */
  private final Map<String, List<ProviderCounters>> countersByPair = new ConcurrentHashMap<>();
  private final Map<String, ProviderCounters> currentCounters = new ConcurrentHashMap<>();
  /** Counting calls made against each counters object (strict pairs only). */
  private final Map<ProviderCounters, LongAdder> callsByCounters =
      Collections.synchronizedMap(new IdentityHashMap<>());
  private final List<String> violations = new CopyOnWriteArrayList<>();
  private final Map<String, LongAdder> outcomes = new ConcurrentHashMap<>();
  private final AtomicLong maxCallNanos = new AtomicLong();
  private final LongAdder hot = new LongAdder();
  private RotatingUpstream upstream;
  private final Registry[] registries = new Registry[2];

  private CacheEventListener listener(int registry) {
    return new CacheEventListener() {
      @Override
      public void onRegistered(ProviderCounters counters) {
        String key = registry + ":" + counters.tenantId() + "/" + counters.providerId();
        countersByPair.computeIfAbsent(key, k -> new CopyOnWriteArrayList<>()).add(counters);
        currentCounters.put(key, counters);
        callsByCounters.put(counters, new LongAdder());
      }
    };
  }

  private ProviderRegistration registration(Pair pair, int server, int variant) {
    return ProviderRegistration.builder(pair.tenant, pair.provider,
            upstream.url(server, pair.tenant, pair.provider))
        .refreshEarly(Duration.ofSeconds(10))
        .staleWhileError(Duration.ofSeconds(variant == 0 ? 0 : 30))
        .negativeCacheTtl(variant == 2 ? Duration.ofSeconds(3) : Duration.ZERO)
        .unknownKidCooldown(Duration.ofSeconds(variant == 1 ? 1 : 5))
        .prefetchJitter(Duration.ofSeconds(2))
        .maxTtl(Duration.ofMinutes(3))
        .retryPolicy(RetryPolicy.builder().maxRetries(1).attemptTimeout(Duration.ofMillis(300))
            .initialBackoff(Duration.ofMillis(20)).maxBackoff(Duration.ofMillis(100))
            .deadline(Duration.ofMillis(800)).jitter(JitterStrategy.FULL).build())
        .build();
  }

  @Test
  void randomOperationsOnSharedRegistriesKeepEveryInvariant() throws Exception {
    Set<Thread> before = cacheThreads();
    ManualTime time = new ManualTime();
    TransitionRecorder recorder = TransitionRecorder.install();
    AtomicBoolean stop = new AtomicBoolean();
    List<Thread> threads = new ArrayList<>();
    try (RotatingUpstream up = new RotatingUpstream(3)) {
      upstream = up;
      registries[0] = Registry.builder().requireHttps(false).clock(time).scheduler(time)
          .fetchThreads(4).listener(listener(0))
          .snapshotStore(FileSnapshotStore.builder(dir.resolve("manual")).fsync(false).build())
          .build();
      registries[1] = Registry.builder().requireHttps(false).fetchThreads(3)
          .listener(listener(1))
          .snapshotStore(FileSnapshotStore.builder(dir.resolve("real")).fsync(false).build())
          .build();
      int n = 0;
      for (int r = 0; r < 2; r++) {
        for (String t : TENANTS) {
          for (String p : PROVIDERS) {
            Pair pair = new Pair(r, t, p, n++ % 2 == 0);
            pairs.add(pair);
            byKey.put(pair.key(), pair);
            registries[r].register(registration(pair, 0, n % 3));
            pair.registered = true;
          }
        }
      }
      up.flapping(true);

      threads.add(StateMachineHistoryTest.worker("stress-time", stop, violations, random -> {
        time.advance(Duration.ofMillis(100 + random.nextInt(900)));
        Thread.sleep(2);
      }));
      threads.add(StateMachineHistoryTest.worker("stress-rotate", stop, violations, random -> {
        up.rotate();
        Thread.sleep(50 + random.nextInt(100));
      }));
      for (int i = 0; i < WORKERS; i++) {
        threads.add(StateMachineHistoryTest.worker("stress-worker-" + i, stop, violations,
            random -> randomOperation(random, random.nextInt(100), false)));
      }
      for (int i = 0; i < 2; i++) { // resolve-only threads, mostly on the real-clock registry
        threads.add(StateMachineHistoryTest.worker("stress-resolver-" + i, stop, violations,
            random -> randomOperation(random, 16 + random.nextInt(49), true)));
      }
      for (int i = 0; i < 2; i++) { // the hot path: resolves of cached pairs, in volume
        threads.add(StateMachineHistoryTest.worker("stress-hot-" + i, stop, violations,
            this::hotResolves));
      }
      threads.forEach(Thread::start);
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(SECONDS);
      while (System.nanoTime() < end && !stop.get()) {
        Thread.sleep(100);
      }
      stop.set(true);
      for (Thread th : threads) {
        th.join(30_000);
        if (th.isAlive()) {
          violations.add(th.getName() + " did not stop within 30 s:\n" + stack(th));
        }
      }
      long t0 = System.nanoTime();
      registries[0].close();
      registries[1].close();
      long closeMillis = (System.nanoTime() - t0) / 1_000_000;
      assertThat(closeMillis).as("close of both registries (ms)").isLessThan(15_000);
      System.out.printf("stress: %d s, %d hot-path resolves, upstream requests %d (faults %d), "
              + "outcomes %s, slowest call %d ms, close %d ms, %d transitions%n", SECONDS,
          hot.sum(), up.requests(),
          up.faults(), new TreeMap<>(outcomes.entrySet().stream().collect(
              Collectors.toMap(Map.Entry::getKey, e -> e.getValue().sum()))),
          maxCallNanos.get() / 1_000_000, closeMillis, recorder.transitions());
    } finally {
      recorder.close();
      for (Registry r : registries) {
        if (r != null) {
          r.close();
        }
      }
    }

    assertThat(violations).as("invariant violations").isEmpty();
    assertThat(recorder.violations()).as("illegal state transitions").isEmpty();
    checkCounters();
    assertNoThreadLeft(before);
    // The run must have exercised both outcomes, or it proves little.
    assertThat(total("resolve-ok")).isGreaterThan(100);
    assertThat(total("failed")).isGreaterThan(0);
  }

  // ------------------------------------------------------------------ operations

  private void randomOperation(SplittableRandom random, int op, boolean preferRealClock)
      throws Exception {
    int half = pairs.size() / 2; // pairs of registry 0 first, then of registry 1
    Pair pair = preferRealClock && random.nextInt(4) != 0
        ? pairs.get(half + random.nextInt(half)) : pairs.get(random.nextInt(pairs.size()));
    if (op < 6) {
      lifecycle(pair, random);
      return;
    }
    if (op < 9) {
      persistOrStatuses(pair, random);
      return;
    }
    if (op < 11) {
      badIds(pair, random);
      return;
    }
    boolean locked = pair.strict;
    if (locked) {
      pair.lock.readLock().lock();
    }
    try {
      boolean registered = pair.registered;
      ProviderCounters counters = locked ? currentCounters.get(pair.key()) : null;
      boolean counting = op >= 16; // refresh and status do not count as requests
      if (counting) {
        pair.attempts.increment();
        if (locked && registered) {
          callsByCounters.get(counters).increment();
        }
      }
      long t0 = System.nanoTime();
      try {
        call(pair, op, random);
        if (counting) {
          pair.successes.increment();
        }
        if (locked && !registered) {
          violations.add(pair.key() + ": op " + op + " succeeded on an unregistered pair");
        }
      } catch (NotRegisteredException e) {
        count("not-registered");
        if (locked && registered) {
          violations.add(pair.key() + ": registered, but op " + op + " said " + e.getMessage());
        }
      } catch (JwksCacheException e) {
        count("failed");
        count("failed-" + e.getClass().getSimpleName());
        if (locked && !registered) {
          violations.add(pair.key() + ": unregistered, but op " + op + " threw " + e);
        }
      } catch (RuntimeException e) {
        violations.add(pair.key() + ": op " + op + " threw an undocumented " + e);
        e.printStackTrace();
      } finally {
        maxCallNanos.accumulateAndGet(System.nanoTime() - t0, Math::max);
      }
    } finally {
      if (locked) {
        pair.lock.readLock().unlock();
      }
    }
  }

  /**
   * A burst of resolves of one real-clock pair that looks cached: they run the lock-free hit
   * path while other threads re-register, unregister and refresh the same pair.
   */
  private void hotResolves(SplittableRandom random) throws Exception {
    int half = pairs.size() / 2;
    Pair pair = pairs.get(half + random.nextInt(half));
    if (pair.strict) {
      return; // strict pairs are only called under their lock, with exact accounting
    }
    Registry registry = registries[1];
    try {
      ProviderStatus s = registry.providerStatus(pair.tenant, pair.provider);
      if (s.state() != ProviderState.READY || s.expiresAt() == null
          || s.expiresAt().isBefore(java.time.Instant.now().plusSeconds(5))) {
        return;
      }
      for (int i = 0; i < 200; i++) {
        pair.attempts.increment();
        List<String> seen = pair.seenKids;
        if (seen.isEmpty() || (i & 1) == 0) {
          checkSet(pair, registry.resolve(pair.tenant, pair.provider));
        } else {
          String kid = seen.get(random.nextInt(seen.size()));
          checkKey(pair, kid, registry.resolveKey(pair.tenant, pair.provider, kid));
        }
        pair.successes.increment();
        hot.increment();
      }
    } catch (JwksCacheException e) {
      count("hot-interrupted-by-" + e.getClass().getSimpleName());
    } catch (RuntimeException e) {
      violations.add(pair.key() + ": a hot resolve threw an undocumented " + e);
    }
  }

  /** One call on a pair; throws what the registry throws, asserts what it returns. */
  private void call(Pair pair, int op, SplittableRandom random) throws Exception {
    Registry registry = registries[pair.registry];
    String t = pair.tenant;
    String p = pair.provider;
    if (op < 13) {
      checkSet(pair, await(pair, registry.refresh(t, p)));
      count("refresh-ok");
    } else if (op < 16) {
      ProviderStatus s = registry.providerStatus(t, p);
      checkStatus(pair, s);
    } else if (op < 45) {
      checkSet(pair, registry.resolve(t, p));
      count("resolve-ok");
    } else if (op < 65) {
      // mostly a kid of a set seen lately (a hit, or rotated away), else one of the upstream's
      // current version (often unknown to the cache: the unknown-kid refresh path)
      List<String> seen = pair.seenKids;
      String kid = !seen.isEmpty() && random.nextInt(4) != 0
          ? seen.get(random.nextInt(seen.size()))
          : pair.prefix() + "v" + (upstream.version() - random.nextInt(2));
      checkKey(pair, kid, registry.resolveKey(t, p, kid));
      count("key-ok");
    } else if (op < 70) {
      String kid = pair.prefix() + "v" + (10_000_000 + random.nextInt(1000));
      JWK key = registry.resolveKey(t, p, kid);
      violations.add(pair.key() + ": an unknown kid " + kid + " was answered with " + key);
    } else if (op < 75) {
      Pair other = pairs.get(random.nextInt(pairs.size()));
      if (other.tenant.equals(t) && other.provider.equals(p)) {
        other = pairs.get((pairs.indexOf(other) + 1) % pairs.size());
      }
      String kid = other.prefix() + "v" + upstream.version();
      if (!other.prefix().equals(pair.prefix())) {
        JWK key = registry.resolveKey(t, p, kid);
        violations.add(pair.key() + ": another pair's kid " + kid + " was answered with " + key);
      } else {
        registry.resolve(t, p);
      }
    } else if (op < 80) {
      List<String> seen = pair.seenKids;
      String kid = seen.isEmpty() ? pair.prefix() + "v" + upstream.version()
          : seen.get(random.nextInt(seen.size()));
      PublicKey key = registry.resolvePublicKey(t, p, kid);
      if (key == null) {
        violations.add(pair.key() + ": EC key " + kid + " has no converted public key");
      }
      count("key-ok");
    } else if (op < 90) {
      checkSet(pair, await(pair, registry.resolveAsync(t, p)));
      count("resolve-ok");
    } else {
      List<String> seen = pair.seenKids;
      String kid = !seen.isEmpty() && random.nextBoolean() ? seen.get(random.nextInt(seen.size()))
          : pair.prefix() + "v" + (upstream.version() - random.nextInt(3));
      checkKey(pair, kid, await(pair, registry.resolveKeyAsync(t, p, kid)));
      count("key-ok");
    }
  }

  private <T> T await(Pair pair, CompletableFuture<T> future) throws InterruptedException {
    try {
      return future.get(15, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      violations.add(pair.key() + ": a future did not complete within 15 s");
      throw new FetchFailureException(FetchFailureException.Kind.TIMEOUT, "", "hung", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof JwksCacheException j) {
        throw j;
      }
      violations.add(pair.key() + ": a future failed with an undocumented " + e.getCause());
      throw new FetchFailureException(FetchFailureException.Kind.CONNECTION, "", "bad", e);
    }
  }

  private void lifecycle(Pair pair, SplittableRandom random) {
    Registry registry = registries[pair.registry];
    pair.lock.writeLock().lock();
    try {
      int what = random.nextInt(4);
      if (!pair.registered) {
        registry.register(registration(pair, pair.server, random.nextInt(3)));
        pair.registered = true;
        count("register");
      } else if (what == 0) {
        if (!registry.unregister(pair.tenant, pair.provider)) {
          violations.add(pair.key() + ": unregister of a registered pair returned false");
        }
        pair.registered = false;
        count("unregister");
      } else if (what == 1) {
        pair.server = (pair.server + 1) % upstream.serverCount();
        registry.register(registration(pair, pair.server, random.nextInt(3)));
        count("re-register-new-url");
      } else {
        registry.register(registration(pair, pair.server, random.nextInt(3)));
        count("re-register-same-url");
      }
    } catch (JwksCacheException e) {
      violations.add(pair.key() + ": (un)registration failed: " + e);
    } finally {
      pair.lock.writeLock().unlock();
    }
  }

  private void persistOrStatuses(Pair pair, SplittableRandom random) {
    Registry registry = registries[pair.registry];
    try {
      if (random.nextBoolean()) {
        int written = registry.persistAll();
        if (written < 0 || written > TENANTS.length * PROVIDERS.length) {
          violations.add("persistAll wrote " + written + " snapshots");
        }
        count("persist-all");
      } else {
        for (ProviderStatus s : registry.allStatuses()) {
          Pair p = byKey.get(pair.registry + ":" + s.tenantId() + "/" + s.providerId());
          if (p == null) {
            violations.add("allStatuses listed an unknown pair " + s.tenantId() + "/"
                + s.providerId());
          } else {
            checkStatus(p, s);
          }
        }
        count("all-statuses");
      }
    } catch (PersistenceException e) {
      count("persist-failed");
    } catch (RuntimeException e) {
      violations.add("persistAll/allStatuses threw " + e);
    }
  }

  /** Bad ids: a validation error or "not registered", never anything else. */
  private void badIds(Pair pair, SplittableRandom random) {
    Registry registry = registries[pair.registry];
    String[][] bad = {{null, "p0"}, {"t0", null}, {"no-such-tenant", "p0"}, {"t0", "no_such"},
        {"", ""}, {"t0/../p0", "p0"}};
    String[] ids = bad[random.nextInt(bad.length)];
    try {
      switch (random.nextInt(4)) {
        case 0 -> registry.resolve(ids[0], ids[1]);
        case 1 -> registry.resolveKey(ids[0], ids[1], "kid");
        case 2 -> registry.providerStatus(ids[0], ids[1]);
        default -> registry.resolveKey(pair.tenant, pair.provider, null);
      }
      violations.add("bad ids " + java.util.Arrays.toString(ids) + " were answered");
    } catch (ValidationException | NotRegisteredException e) {
      count("bad-ids-refused");
    } catch (RuntimeException e) {
      violations.add("bad ids " + java.util.Arrays.toString(ids) + " threw " + e);
    }
  }

  // ------------------------------------------------------------------ checks

  private void checkSet(Pair pair, JWKSet set) {
    pair.seenKids = set.getKeys().stream().map(JWK::getKeyID).toList();
    if (set.getKeys().isEmpty()) {
      violations.add(pair.key() + ": an empty set (the upstream never serves one)");
    }
    for (JWK k : set.getKeys()) {
      if (k.getKeyID() == null || !k.getKeyID().startsWith(pair.prefix())) {
        violations.add(pair.key() + ": its set holds another pair's key " + k.getKeyID());
      }
      if (k.isPrivate()) {
        violations.add(pair.key() + ": a private key was served");
      }
    }
  }

  private void checkKey(Pair pair, String kid, JWK key) {
    if (key == null || !kid.equals(key.getKeyID())) {
      violations.add(pair.key() + ": asked for " + kid + ", got " + (key == null ? null
          : key.getKeyID()));
    }
  }

  private void checkStatus(Pair pair, ProviderStatus s) {
    if (!s.tenantId().equals(pair.tenant) || !s.providerId().equals(pair.provider)
        || s.state() == null) {
      violations.add(pair.key() + ": status of another pair or without a state: " + s);
      return;
    }
    double requests = metric(s, "jwks_cache_requests_total");
    double hits = metric(s, "jwks_cache_hits_total");
    double misses = metric(s, "jwks_cache_misses_total");
    // One status is one consistent reading, even while other threads count. (Found by this
    // test: hits were read after requests, so hit_rate could exceed 1.)
    if (requests != hits + misses || s.hitRate() < 0 || s.hitRate() > 1
        || s.staleServeRatio() < 0 || s.staleServeRatio() > 1) {
      violations.add(pair.key() + ": inconsistent status counters " + s.metrics());
    }
    if ((s.state() == ProviderState.READY || s.state() == ProviderState.REFRESHING)
        && s.expiresAt() == null) {
      violations.add(pair.key() + ": " + s.state() + " without expires_at");
    }
  }

  private static double metric(ProviderStatus s, String name) {
    return s.metrics().stream().filter(m -> m.name().equals(name)).findFirst()
        .orElseThrow().value();
  }

  private void checkCounters() {
    List<String> problems = new ArrayList<>();
    for (Pair pair : pairs) {
      long total = 0;
      for (ProviderCounters c : countersByPair.getOrDefault(pair.key(), List.of())) {
        long requests = c.requests();
        total += requests;
        if (requests != c.hits() + c.misses()) {
          problems.add(pair.key() + ": requests " + requests + " != hits " + c.hits()
              + " + misses " + c.misses());
        }
        if (c.staleServes() > requests) {
          problems.add(pair.key() + ": stale serves " + c.staleServes() + " > requests "
              + requests);
        }
        if (pair.strict && requests != callsByCounters.get(c).sum()) {
          problems.add(pair.key() + ": counted " + requests + " requests for "
              + callsByCounters.get(c).sum() + " calls made");
        }
      }
      if (!pair.strict && (total > pair.attempts.sum() || total < pair.successes.sum())) {
        problems.add(pair.key() + ": " + total + " requests counted for " + pair.attempts.sum()
            + " calls, " + pair.successes.sum() + " of them answered");
      }
    }
    assertThat(problems).as("counters").isEmpty();
  }

  private static Set<Thread> cacheThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().startsWith("jwks-cache-") && t.isAlive())
        .collect(Collectors.toSet());
  }

  private static void assertNoThreadLeft(Set<Thread> before) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    Set<Thread> left;
    do {
      left = cacheThreads();
      left.removeAll(before);
      if (left.isEmpty()) {
        return;
      }
      Thread.sleep(50);
    } while (System.nanoTime() < deadline);
    StringBuilder sb = new StringBuilder();
    for (Thread t : left) {
      sb.append(t.getName()).append('\n').append(stack(t));
    }
    throw new AssertionError("threads left after close:\n" + sb);
  }

  private static String stack(Thread t) {
    StringBuilder sb = new StringBuilder();
    for (StackTraceElement e : t.getStackTrace()) {
      sb.append("    at ").append(e).append('\n');
    }
    return sb.toString();
  }

  private void count(String what) {
    outcomes.computeIfAbsent(what, k -> new LongAdder()).increment();
  }

  private long total(String what) {
    LongAdder a = outcomes.get(what);
    return a == null ? 0 : a.sum();
  }
}
