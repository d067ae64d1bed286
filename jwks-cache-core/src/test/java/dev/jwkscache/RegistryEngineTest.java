package dev.jwkscache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import dev.jwkscache.testing.JwksServer;
import dev.jwkscache.testing.ManualTime;
import dev.jwkscache.testing.RefreshEvents;
import dev.jwkscache.testing.TestKeys;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import mockwebserver3.MockResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The engine of DESIGN sections 3 and 4 against a real loopback server and a manual clock. */
class RegistryEngineTest {
  private static final String T = "tenant-a";
  private static final String P = "idp";
  private static final String SET1 = TestKeys.publicJwks(TestKeys.rsa("k1"), TestKeys.ec("e1"));
  private static final String SET2 =
      TestKeys.publicJwks(TestKeys.rsa("k1"), TestKeys.ec("e1"), TestKeys.rsa("k2"));

  private final ManualTime time = new ManualTime();
  private final RefreshEvents events = new RefreshEvents();
  private final JwksServer upstream = new JwksServer();
  private final Registry registry = Registry.builder().requireHttps(false).clock(time)
      .scheduler(time).listener(events).random(new SplittableRandom(7)).build();

  @AfterEach
  void tearDown() {
    registry.close();
    upstream.close();
  }

  private ProviderRegistration.Builder registration() {
    return ProviderRegistration.builder(T, P, upstream.url()).prefetchJitter(Duration.ZERO)
        .retryPolicy(RetryPolicy.builder().maxRetries(0).attemptTimeout(Duration.ofMillis(500))
            .initialBackoff(Duration.ofSeconds(5)).maxBackoff(Duration.ofSeconds(20))
            .deadline(Duration.ofSeconds(1)).jitter(JitterStrategy.NONE).build());
  }

  @Test
  void repeatedResolvesAfterTheFirstFetchAreHitsOnTheSameInstance() {
    upstream.serve(SET1, 300);
    registry.register(registration().build());

    JWKSet first = registry.resolve(T, P);
    for (int i = 0; i < 1_000; i++) {
      assertThat(registry.resolve(T, P)).isSameAs(first);
      assertThat(registry.resolveKey(T, P, "k1")).isSameAs(first.getKeyByKeyId("k1"));
    }
    assertThat(upstream.requests()).isEqualTo(1);
    ProviderStatus status = registry.providerStatus(T, P);
    assertThat(status.state()).isEqualTo(ProviderState.READY);
    assertThat(status.hitRate()).isEqualTo(2000.0 / 2001.0);
  }

  @Test
  void notModifiedKeepsTheSameInstanceAndTakesTheNewTtl() throws Exception {
    upstream.serve(SET1, 300, "\"v1\"");
    registry.register(registration().build());
    JWKSet first = registry.resolve(T, P);

    time.advance(Duration.ofSeconds(100));
    upstream.respond(r -> "\"v1\"".equals(r.getHeaders().get("If-None-Match"))
        ? new MockResponse.Builder().code(304).addHeader("Cache-Control", "max-age=600").build()
        : new MockResponse.Builder().code(500).build());
    JWKSet refreshed = registry.refresh(T, P).get(5, TimeUnit.SECONDS);

    assertThat(refreshed).isSameAs(first);
    assertThat(registry.resolve(T, P)).isSameAs(first);
    assertThat(upstream.requests()).isEqualTo(2);
    assertThat(registry.providerStatus(T, P).expiresAt())
        .isEqualTo(time.instant().plusSeconds(600));
  }

  @Test
  void aStampedeOnAnEmptyCacheMakesOneUpstreamRequest() throws Exception {
    upstream.respond(r -> new MockResponse.Builder().code(200)
        .addHeader("Cache-Control", "max-age=300").body(SET1)
        .headersDelay(200, TimeUnit.MILLISECONDS).build());
    registry.register(registration().build());

    int callers = 200;
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(callers);
    try {
      List<Future<JWKSet>> results = new ArrayList<>();
      for (int i = 0; i < callers; i++) {
        results.add(pool.submit(() -> {
          start.await();
          return registry.resolve(T, P);
        }));
      }
      start.countDown();
      JWKSet first = results.get(0).get(10, TimeUnit.SECONDS);
      for (Future<JWKSet> f : results) {
        assertThat(f.get(10, TimeUnit.SECONDS)).isSameAs(first);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(upstream.requests()).isEqualTo(1);
    assertThat(registry.providerStatus(T, P).metrics())
        .anySatisfy(m -> {
          assertThat(m.name()).isEqualTo("jwks_cache_requests_total");
          assertThat(m.value()).isEqualTo(callers);
        });
  }

  @Test
  void insideTheStaleWindowCallersGetTheStaleSetAndUpstreamSeesOneSequencePerBackoff()
      throws Exception {
    upstream.serve(SET1, 60);
    registry.register(registration().build());
    JWKSet cached = registry.resolve(T, P);
    events.drain();
    upstream.fail(500);

    // t=30: refresh-ahead fails; retries back off 5 s, 10 s, 20 s.
    time.advance(Duration.ofSeconds(30));
    events.await(1);
    time.advance(Duration.ofSeconds(5));
    events.await(1);
    time.advance(Duration.ofSeconds(10));
    events.await(1);
    assertThat(upstream.requests()).isEqualTo(4);
    assertThat(registry.providerStatus(T, P).errorCount()).isEqualTo(3);

    // t=61: expired, inside the stale window, inside the backoff (until t=65).
    time.advance(Duration.ofSeconds(16));
    int threads = 8;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    ConcurrentLinkedQueue<Object> wrong = new ConcurrentLinkedQueue<>();
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        done.add(pool.submit(() -> {
          for (int n = 0; n < 1_000; n++) {
            JWKSet set = registry.resolve(T, P);
            if (set != cached) {
              wrong.add(set);
            }
            JWK key = registry.resolveKey(T, P, "k1"); // the synchronous stale path
            if (key != cached.getKeyByKeyId("k1")) {
              wrong.add(key);
            }
          }
        }));
      }
      for (Future<?> f : done) {
        f.get(10, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(wrong).isEmpty();
    assertThat(upstream.requests()).isEqualTo(4);
    ProviderStatus status = registry.providerStatus(T, P);
    assertThat(status.state()).isEqualTo(ProviderState.READY);
    assertThat(status.staleServeRatio()).isGreaterThan(0.99);

    // t=65: the backoff ends; exactly one more sequence.
    time.advance(Duration.ofSeconds(4));
    events.await(1);
    assertThat(upstream.requests()).isEqualTo(5);
    assertThat(registry.resolve(T, P)).isSameAs(cached);
    assertThat(upstream.requests()).isEqualTo(5);
  }

  @Test
  void aCallerWaitingOnAHangingRefreshGetsTheStaleSetWithinTheDeadline() {
    upstream.serve(SET1, 60);
    registry.register(registration().refreshEarly(Duration.ofSeconds(1)).build());
    JWKSet cached = registry.resolve(T, P);
    upstream.respond(r -> new MockResponse.Builder().code(200).body(SET2)
        .headersDelay(30, TimeUnit.SECONDS).build());

    // Past expiry, no refresh has failed yet: the caller starts one and waits for it.
    time.advance(Duration.ofSeconds(61));
    long t0 = System.nanoTime();
    assertThat(registry.resolve(T, P)).isSameAs(cached);
    long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    // The upstream hangs for 30 s; the caller is bounded by the 1 s retry deadline.
    assertThat(waitedMs).isLessThan(10_000);
  }

  @Test
  void pastTheStaleWindowTheErrorReachesTheCallerAndTheStateIsEmpty() {
    upstream.serve(SET1, 60);
    registry.register(registration().staleWhileError(Duration.ofSeconds(10)).build());
    registry.resolve(T, P);
    events.drain();
    upstream.fail(500);

    // Refresh-ahead at t=30 fails, then the backoff retries at t=35, t=45 and t=65 fail too.
    for (int step : new int[] {30, 5, 10, 20}) {
      time.advance(Duration.ofSeconds(step));
      events.await(1);
    }
    assertThat(registry.providerStatus(T, P).state()).isEqualTo(ProviderState.READY);
    time.advance(Duration.ofSeconds(6)); // t=71: past expires_at (60) + stale_while_error (10)
    assertThat(registry.providerStatus(T, P).state()).isEqualTo(ProviderState.EMPTY);

    assertThatThrownBy(() -> registry.resolve(T, P))
        .isInstanceOf(UpstreamStatusException.class)
        .satisfies(e -> assertThat(((UpstreamStatusException) e).status()).isEqualTo(500));
    assertThat(registry.providerStatus(T, P).state()).isEqualTo(ProviderState.EMPTY);
    assertThat(upstream.requests()).isEqualTo(6);
  }

  @Test
  void negativeCacheFailsFastWithTheSameErrorAndNoUpstreamRequest() {
    upstream.fail(503);
    registry.register(registration().negativeCacheTtl(Duration.ofSeconds(10)).build());

    Throwable first = catchThrowable(() -> registry.resolve(T, P));
    assertThat(first).isInstanceOf(UpstreamStatusException.class);
    for (int i = 0; i < 5; i++) {
      Throwable again = catchThrowable(() -> registry.resolve(T, P));
      assertThat(again).isInstanceOf(UpstreamStatusException.class)
          .hasMessage(first.getMessage());
    }
    assertThat(upstream.requests()).isEqualTo(1);

    time.advance(Duration.ofSeconds(11));
    upstream.serve(SET1, 300);
    assertThat(registry.resolve(T, P).getKeyByKeyId("k1")).isNotNull();
    assertThat(upstream.requests()).isEqualTo(2);
  }

  @Test
  void withoutNegativeCachingEveryFailedLoadGoesUpstream() {
    upstream.fail(404);
    registry.register(registration().build());
    for (int i = 0; i < 3; i++) {
      assertThatThrownBy(() -> registry.resolve(T, P))
          .isInstanceOf(UpstreamStatusException.class);
    }
    assertThat(upstream.requests()).isEqualTo(3);
  }

  @Test
  void aStormOfUnknownKidsCostsAtMostOneFetchPerCooldown() throws Exception {
    upstream.serve(SET1, 3600);
    registry.register(registration().build());
    JWK valid = registry.resolveKey(T, P, "k1");

    storm(valid);
    assertThat(upstream.requests()).isEqualTo(1); // the load itself started the cooldown

    time.advance(Duration.ofSeconds(31));
    storm(valid);
    assertThat(upstream.requests()).isEqualTo(2);
  }

  private void storm(JWK valid) throws Exception {
    int threads = 4;
    AtomicInteger notFound = new AtomicInteger();
    AtomicInteger validFailures = new AtomicInteger();
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(threads + 1);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int seed = t;
        futures.add(pool.submit(() -> {
          SplittableRandom random = new SplittableRandom(seed);
          start.await();
          for (int i = 0; i < 2_500; i++) {
            try {
              registry.resolveKey(T, P, "junk-" + random.nextLong());
            } catch (KeyNotFoundException e) {
              notFound.incrementAndGet();
            }
          }
          return null;
        }));
      }
      futures.add(pool.submit(() -> {
        start.await();
        for (int i = 0; i < 2_500; i++) {
          if (registry.resolveKey(T, P, "k1") != valid) {
            validFailures.incrementAndGet();
          }
        }
        return null;
      }));
      start.countDown();
      for (Future<?> f : futures) {
        f.get(30, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(notFound.get()).isEqualTo(10_000);
    assertThat(validFailures.get()).isZero();
  }

  @Test
  void anUnknownKidThatAppearedUpstreamIsFoundAfterTheCooldown() {
    upstream.serve(SET1, 3600);
    registry.register(registration().build());
    registry.resolve(T, P);
    upstream.serve(SET2, 3600);

    assertThatThrownBy(() -> registry.resolveKey(T, P, "k2"))
        .isInstanceOf(KeyNotFoundException.class).hasMessageContaining("unknown_kid_cooldown");
    time.advance(Duration.ofSeconds(30));
    assertThat(registry.resolveKey(T, P, "k2").getKeyID()).isEqualTo("k2");
    assertThat(upstream.requests()).isEqualTo(2);
  }

  @Test
  void refreshAheadServesAtOnceWhileTheBackgroundRefreshRuns() throws Exception {
    upstream.serve(SET1, 120);
    registry.register(registration().build());
    JWKSet old = registry.resolve(T, P);
    events.drain();

    CountDownLatch received = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    upstream.respond(r -> {
      received.countDown();
      await(release);
      return new MockResponse.Builder().code(200).addHeader("Cache-Control", "max-age=120")
          .body(SET2).build();
    });
    time.advance(Duration.ofSeconds(91)); // next_refresh_at = 120 - 30 = 90 s
    assertThat(received.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(registry.providerStatus(T, P).state()).isEqualTo(ProviderState.REFRESHING);
    assertThat(registry.resolve(T, P)).isSameAs(old);

    release.countDown();
    events.await(1);
    assertThat(registry.resolve(T, P)).isNotSameAs(old);
    assertThat(registry.resolve(T, P).getKeyByKeyId("k2")).isNotNull();
    assertThat(upstream.requests()).isEqualTo(2);
  }

  @Test
  void unregisterDuringAFetchFailsTheWaitersAndStoresNothing() throws Exception {
    CountDownLatch received = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    upstream.respond(r -> {
      received.countDown();
      await(release);
      return new MockResponse.Builder().code(200).addHeader("Cache-Control", "max-age=300")
          .body(SET1).build();
    });
    // Attempts long enough that only the unregister can end this fetch, however slow the test.
    RetryPolicy patient = RetryPolicy.builder().maxRetries(0)
        .attemptTimeout(Duration.ofSeconds(30)).deadline(Duration.ofSeconds(30)).build();
    registry.register(registration().retryPolicy(patient).build());
    CompletableFuture<JWKSet> waiter = registry.resolveAsync(T, P);
    assertThat(received.await(10, TimeUnit.SECONDS)).isTrue();

    assertThat(registry.unregister(T, P)).isTrue();
    assertThatThrownBy(() -> waiter.get(5, TimeUnit.SECONDS))
        .hasCauseInstanceOf(NotRegisteredException.class);
    assertThatThrownBy(() -> registry.resolve(T, P)).isInstanceOf(NotRegisteredException.class);

    release.countDown();
    registry.register(registration().build());
    assertThat(registry.providerStatus(T, P).state()).isEqualTo(ProviderState.EMPTY);
    assertThat(time.pendingTasks()).isZero();
  }

  @Test
  void statusAndCountersFollowAScriptedSequence() throws Exception {
    upstream.serve(SET1, 60, "\"a\"");
    registry.register(registration().build());
    registry.resolve(T, P);                       // miss (load)
    registry.resolveKey(T, P, "k1");              // hit
    registry.resolveKey(T, P, "e1");              // hit
    catchThrowable(() -> registry.resolveKey(T, P, "zz")); // miss (unknown kid, in cooldown)
    events.drain();
    upstream.fail(500);
    time.advance(Duration.ofSeconds(30));         // background refresh fails
    events.await(1);
    time.advance(Duration.ofSeconds(1));
    registry.resolve(T, P);                       // hit, still fresh

    ProviderStatus s = registry.providerStatus(T, P);
    assertThat(s.tenantId()).isEqualTo(T);
    assertThat(s.providerId()).isEqualTo(P);
    assertThat(s.state()).isEqualTo(ProviderState.READY);
    assertThat(s.errorCount()).isEqualTo(1);
    assertThat(s.lastRefresh()).isEqualTo(time.instant().minusSeconds(31));
    assertThat(s.expiresAt()).isEqualTo(time.instant().plusSeconds(29));
    assertThat(s.nextRefresh()).isEqualTo(time.instant().plusSeconds(4)); // backoff 5 s from t=30
    assertThat(s.hitRate()).isEqualTo(3.0 / 5.0);
    assertThat(s.staleServeRatio()).isZero();
    assertThat(s.lastError()).contains("500");
    assertThat(metric(s, "jwks_cache_requests_total")).isEqualTo(5);
    assertThat(metric(s, "jwks_cache_hits_total")).isEqualTo(3);
    assertThat(metric(s, "jwks_cache_misses_total")).isEqualTo(2);
    assertThat(metric(s, "jwks_cache_refresh_success_total")).isEqualTo(1);
    assertThat(metric(s, "jwks_cache_refresh_errors_total")).isEqualTo(1);
    assertThat(s.metrics()).allSatisfy(m ->
        assertThat(m.labels()).containsEntry("tenant", T).containsEntry("provider", P));

    time.advance(Duration.ofSeconds(30));         // t=61: expired; the t=35 retry failed too
    events.await(1);
    registry.resolve(T, P);                       // stale serve inside the backoff
    ProviderStatus later = registry.providerStatus(T, P);
    assertThat(later.staleServeRatio()).isEqualTo(1.0 / 6.0);
    assertThat(registry.allStatuses()).extracting(ProviderStatus::providerId).containsExactly(P);
  }

  @Test
  void reRegisteringWithTheSameUrlKeepsTheCachedSetAndAnotherUrlDropsIt() {
    upstream.serve(SET1, 300);
    registry.register(registration().build());
    JWKSet first = registry.resolve(T, P);

    registry.register(registration().staleWhileError(Duration.ofSeconds(5)).build());
    assertThat(registry.resolve(T, P)).isSameAs(first);
    assertThat(registry.registration(T, P).staleWhileError()).isEqualTo(Duration.ofSeconds(5));

    try (JwksServer other = new JwksServer()) {
      other.serve(SET2, 300);
      registry.register(ProviderRegistration.builder(T, P, other.url()).build());
      assertThat(registry.resolve(T, P).getKeyByKeyId("k2")).isNotNull();
      assertThat(other.requests()).isEqualTo(1);
    }
  }

  @Test
  void closeStopsEverythingAndLaterCallsFailClearly() {
    upstream.serve(SET1, 300);
    registry.register(registration().build());
    registry.resolve(T, P);
    registry.close();
    assertThatThrownBy(() -> registry.resolve(T, P)).isInstanceOf(RegistryClosedException.class);
    assertThatThrownBy(() -> registry.register(registration().build()))
        .isInstanceOf(RegistryClosedException.class);
    assertThat(registry.resolveAsync(T, P)).isCompletedExceptionally();
  }

  @Test
  void registryDefaultsApplyOnlyToFieldsTheRegistrationDidNotSet() {
    try (Registry r = Registry.builder().requireHttps(false)
        .defaultRefreshEarly(Duration.ofSeconds(10)).build()) {
      r.register(ProviderRegistration.builder(T, "explicit", upstream.url())
          .refreshEarly(Duration.ofSeconds(30)).build());
      r.register(ProviderRegistration.builder(T, "inherits", upstream.url()).build());
      assertThat(r.registration(T, "explicit").refreshEarly()).isEqualTo(Duration.ofSeconds(30));
      assertThat(r.registration(T, "inherits").refreshEarly()).isEqualTo(Duration.ofSeconds(10));
      assertThat(r.registration(T, "inherits").requireHttps()).isFalse();
    }
  }

  @Test
  void anHttpsRegistryRefusesARegistrationThatOptsOut() {
    try (Registry r = Registry.builder().build()) {
      assertThatThrownBy(() -> r.register(ProviderRegistration.builder(T, P, upstream.url())
          .requireHttps(false).build())).isInstanceOf(SecurityViolationException.class);
      assertThatThrownBy(() -> r.register(ProviderRegistration.builder(T, P, upstream.url())
          .build())).isInstanceOf(ValidationException.class)
          .satisfies(e -> assertThat(((ValidationException) e).field()).isEqualTo("jwks_url"));
    }
  }

  @Test
  void aUrlOutsideTheRegistryAllowlistIsASecurityViolation() {
    try (Registry r = Registry.builder().requireHttps(false).addAllowedDomain("Example.COM.")
        .build()) {
      assertThatThrownBy(() -> r.register(ProviderRegistration.builder(T, P,
          "https://evil.org/jwks").build())).isInstanceOf(SecurityViolationException.class);
      r.register(ProviderRegistration.builder(T, P, "https://api.example.com/jwks").build());
      assertThat(r.registration(T, P).allowedDomains()).containsExactly("example.com");
    }
  }

  @Test
  void literalMetadataAndPrivateAddressesAreRefusedAtRegistration() {
    assertThatThrownBy(() -> registry.register(ProviderRegistration.builder(T, P,
        "http://169.254.169.254/latest/jwks").build()))
        .isInstanceOf(SecurityViolationException.class).hasMessageContaining("169.254.169.254");
    try (Registry strict = Registry.builder().requireHttps(false).refusePrivateAddresses(true)
        .build()) {
      assertThatThrownBy(() -> strict.register(ProviderRegistration.builder(T, P,
          "http://10.0.0.7/jwks").build())).isInstanceOf(SecurityViolationException.class);
      assertThatThrownBy(() -> strict.register(ProviderRegistration.builder(T, P,
          upstream.url()).build())).isInstanceOf(SecurityViolationException.class);
    }
    registry.register(ProviderRegistration.builder(T, P, "http://10.0.0.7/jwks").build());
  }

  @Test
  void aTenantWithManyProvidersKeepsEveryOneReachable() {
    upstream.serve(SET1, 300);
    int n = 3 * 8 + 1; // past the scan limit, into the map form
    for (int i = 0; i < n; i++) {
      registry.register(ProviderRegistration.builder(T, "p" + i, upstream.url()).build());
    }
    for (int i = 0; i < n; i++) {
      assertThat(registry.resolveKey(T, "p" + i, "k1").getKeyID()).isEqualTo("k1");
    }
    for (int i = 0; i < n; i += 2) {
      assertThat(registry.unregister(T, "p" + i)).isTrue();
    }
    for (int i = 0; i < n; i++) {
      String p = "p" + i;
      if (i % 2 == 0) {
        assertThatThrownBy(() -> registry.resolve(T, p)).isInstanceOf(NotRegisteredException.class);
      } else {
        assertThat(registry.resolve(T, p)).isNotNull();
      }
    }
    assertThat(registry.allStatuses()).hasSize(n / 2);
    assertThat(upstream.requests()).isEqualTo(n);
  }

  private static double metric(ProviderStatus s, String name) {
    return s.metrics().stream().filter(m -> m.name().equals(name)).findFirst().orElseThrow()
        .value();
  }

  private static Throwable catchThrowable(Runnable r) {
    try {
      r.run();
      return null;
    } catch (Throwable t) {
      return t;
    }
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await(20, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
