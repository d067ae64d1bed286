package dev.jwkscache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.nimbusds.jose.jwk.JWKSet;
import dev.jwkscache.persist.FileSnapshotStore;
import dev.jwkscache.persist.Snapshot;
import dev.jwkscache.persist.SnapshotStore;
import dev.jwkscache.testing.JwksServer;
import dev.jwkscache.testing.ManualTime;
import dev.jwkscache.testing.RefreshEvents;
import dev.jwkscache.testing.TestKeys;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.SocketEffect;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rows of the fault matrix (RELIABILITY.md) that no narrower test covered: faults seen through
 * the registry, where the promise is about what callers get, not about one fetch.
 */
class FaultInjectionTest {
  private static final String T = "tenant-a";
  private static final String P = "idp";
  private static final String SET1 = TestKeys.publicJwks(TestKeys.ec("e1"));

  private final ManualTime time = new ManualTime();
  private final RefreshEvents events = new RefreshEvents();
  private final JwksServer upstream = new JwksServer();
  private final List<AutoCloseable> toClose = new ArrayList<>();

  @TempDir
  Path dir;

  @AfterEach
  void tearDown() throws Exception {
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
    upstream.close();
  }

  private Registry manual(Registry.Builder b) {
    Registry r = b.requireHttps(false).clock(time).scheduler(time).listener(events)
        .random(new SplittableRandom(3)).build();
    toClose.add(r);
    return r;
  }

  private Registry real(Registry.Builder b) {
    Registry r = b.requireHttps(false).listener(events).build();
    toClose.add(r);
    return r;
  }

  private static RetryPolicy fastRetries() {
    return RetryPolicy.builder().maxRetries(1).attemptTimeout(Duration.ofMillis(150))
        .initialBackoff(Duration.ofMillis(10)).maxBackoff(Duration.ofMillis(20))
        .deadline(Duration.ofMillis(400)).jitter(JitterStrategy.NONE).build();
  }

  private ProviderRegistration.Builder registration(String url) {
    return ProviderRegistration.builder(T, P, url).prefetchJitter(Duration.ZERO)
        .retryPolicy(fastRetries());
  }

  private static MockResponse slowJwks(long millis) {
    return new MockResponse.Builder().code(200).addHeader("Cache-Control", "max-age=300")
        .body(SET1).headersDelay(millis, TimeUnit.MILLISECONDS).build();
  }

  // ------------------------------------------------------------------ upstream

  /**
   * Flapping: the upstream cycles through healthy, failing (500), hanging past the attempt
   * timeout, resetting the connection and sending malformed JSON, request by request, while the
   * clock runs through many TTLs. No resolve may fail while a stale set is servable.
   */
  @Test
  void aFlappingUpstreamNeverFailsAResolveWhileAStaleSetIsServable() throws Exception {
    AtomicInteger n = new AtomicInteger();
    upstream.respond(r -> switch (n.getAndIncrement() % 5) {
      case 0 -> new MockResponse.Builder().code(200).addHeader("Cache-Control", "max-age=60")
          .body(SET1).build();
      case 1 -> new MockResponse.Builder().code(500).body("down").build();
      case 2 -> slowJwks(1_000);
      case 3 -> new MockResponse.Builder().code(200).body(SET1)
          .onResponseStart(new SocketEffect.CloseSocket()).build();
      default -> new MockResponse.Builder().code(200).body("{\"keys\":[{").build();
    });
    Registry registry = manual(Registry.builder());
    registry.register(registration(upstream.url()).staleWhileError(Duration.ofMinutes(10))
        .refreshEarly(Duration.ofSeconds(10)).build());
    JWKSet first = registry.resolve(T, P);
    Instant servableUntil = registry.providerStatus(T, P).expiresAt().plus(Duration.ofMinutes(10));
    int failedWhileServable = 0;
    int stale = 0;
    for (int i = 0; i < 60; i++) {
      time.advance(Duration.ofSeconds(15));
      try {
        JWKSet set = registry.resolve(T, P);
        assertThat(set.getKeyByKeyId("e1")).isNotNull();
        ProviderStatus s = registry.providerStatus(T, P);
        if (s.expiresAt() != null && time.instant().isAfter(s.expiresAt())) {
          stale++;
        }
        servableUntil = s.expiresAt().plus(Duration.ofMinutes(10));
      } catch (JwksCacheException e) {
        if (time.instant().isBefore(servableUntil)) {
          failedWhileServable++;
        }
      }
      // let a refresh running in the background land before the clock moves on
      waitFor(() -> registry.providerStatus(T, P).state() != ProviderState.REFRESHING
          && registry.providerStatus(T, P).state() != ProviderState.LOADING);
    }
    assertThat(failedWhileServable).isZero();
    assertThat(stale).as("the scenario served stale sets").isPositive();
    assertThat(first).isNotNull();
    assertThat(upstream.requests()).isGreaterThan(10);
  }

  /**
   * When the fetch threads are all busy with hanging upstreams, a stale pair's first refresh
   * (no failure yet) sits in the queue; every caller of that pair used to wait a whole retry
   * deadline for it, one after the other. Now only the callers of the first deadline wait; later
   * ones get the stale set at once.
   */
  @Test
  void aRefreshStuckBehindOtherFetchesMakesCallersWaitOneDeadlineNotOneEach() throws Exception {
    JwksServer hanging = new JwksServer();
    toClose.add(hanging);
    hanging.serve(SET1, 60);
    upstream.serve(SET1, 60);
    Registry registry = manual(Registry.builder().fetchThreads(1));
    registry.register(ProviderRegistration.builder(T, "hangs", hanging.url())
        .prefetchJitter(Duration.ZERO).retryPolicy(RetryPolicy.builder().maxRetries(0)
            .attemptTimeout(Duration.ofSeconds(3)).initialBackoff(Duration.ofMillis(10))
            .maxBackoff(Duration.ofMillis(10)).deadline(Duration.ofSeconds(3)).build())
        .build());
    registry.register(registration(upstream.url()).staleWhileError(Duration.ofMinutes(10))
        .retryPolicy(RetryPolicy.builder().maxRetries(0).attemptTimeout(Duration.ofSeconds(1))
            .initialBackoff(Duration.ofMillis(10)).maxBackoff(Duration.ofMillis(10))
            .deadline(Duration.ofSeconds(1)).build()).build());
    registry.resolve(T, "hangs");
    JWKSet cached = registry.resolve(T, P);

    hanging.respond(r -> slowJwks(10_000));
    registry.refresh(T, "hangs"); // holds the only fetch thread for 3 s
    time.advance(Duration.ofSeconds(61)); // both expire; P's refresh is queued behind
    assertThat(registry.providerStatus(T, P).state()).isEqualTo(ProviderState.REFRESHING);

    long t0 = System.nanoTime();
    assertThat(registry.resolve(T, P)).isSameAs(cached); // waits its deadline, gets stale
    long first = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    t0 = System.nanoTime();
    for (int i = 0; i < 100; i++) {
      assertThat(registry.resolve(T, P)).isSameAs(cached);
    }
    long next100 = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    assertThat(first).isBetween(900L, 2_500L);
    assertThat(next100).isLessThan(500L);
    // the queued refresh still runs and lands
    waitFor(() -> registry.providerStatus(T, P).state() == ProviderState.READY
        && registry.providerStatus(T, P).expiresAt().isAfter(time.instant()));
    assertThat(upstream.requests()).isEqualTo(2);
  }

  /**
   * Found by the soak: during an outage every caller of an expired pair waited a whole retry
   * deadline for the next refresh attempt, which failed again, so each resolve took 8 s while a
   * stale set was there to serve (two resolving threads fell from ~13 million resolves per second
   * to one). Only the first caller after a failure-free expiry waits now; once a refresh has
   * failed, callers get the stale set at once and the next attempt runs in the background.
   */
  @Test
  void afterAFailedRefreshCallersGetTheStaleSetAtOnceWhileTheNextAttemptRuns() throws Exception {
    upstream.serve(SET1, 60);
    Registry registry = manual(Registry.builder());
    registry.register(registration(upstream.url()).staleWhileError(Duration.ofMinutes(10))
        .refreshEarly(Duration.ofSeconds(1)).retryPolicy(RetryPolicy.builder().maxRetries(0)
            .attemptTimeout(Duration.ofSeconds(1)).initialBackoff(Duration.ofSeconds(1))
            .maxBackoff(Duration.ofSeconds(1)).deadline(Duration.ofSeconds(1))
            .jitter(JitterStrategy.NONE).build()).build());
    JWKSet cached = registry.resolve(T, P);
    events.drain();
    upstream.respond(r -> slowJwks(10_000));

    time.advance(Duration.ofSeconds(61)); // refresh-ahead at 59 hangs; the set expires at 60
    long t0 = System.nanoTime();
    assertThat(registry.resolve(T, P)).isSameAs(cached); // no failure yet: waits for it
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isGreaterThan(500);
    events.await(1);
    assertThat(registry.providerStatus(T, P).errorCount()).isEqualTo(1);

    time.advance(Duration.ofSeconds(2)); // past the backoff
    int before = upstream.requests();
    t0 = System.nanoTime();
    for (int i = 0; i < 1_000; i++) {
      assertThat(registry.resolve(T, P)).isSameAs(cached);
      assertThat(registry.resolveKey(T, P, "e1").getKeyID()).isEqualTo("e1");
    }
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isLessThan(500);
    // one attempt was started in the background by the first of those callers, no more
    waitFor(() -> upstream.requests() == before + 1);
    assertThat(registry.providerStatus(T, P).state()).isEqualTo(ProviderState.REFRESHING);
    events.await(1);
    upstream.serve(SET1, 60);
    time.advance(Duration.ofSeconds(2));
    waitFor(() -> registry.providerStatus(T, P).errorCount() == 0);
    assertThat(upstream.requests()).isEqualTo(before + 2);
  }

  /** A malformed or oversized refresh never replaces the cached set. */
  @Test
  void aMalformedOrOversizedRefreshKeepsTheCachedSet() throws Exception {
    upstream.serve(SET1, 300);
    Registry registry = manual(Registry.builder());
    registry.register(registration(upstream.url()).maxResponseBytes(4_096).build());
    JWKSet cached = registry.resolve(T, P);

    upstream.respond(r -> new MockResponse.Builder().code(200).body("{\"keys\": 17}").build());
    assertThat(catchThrowableOfType(java.util.concurrent.ExecutionException.class,
        () -> registry.refresh(T, P).get(5, TimeUnit.SECONDS)).getCause())
        .isInstanceOf(InvalidJwksException.class);
    upstream.respond(r -> new MockResponse.Builder().code(200).body("{\"keys\":[" + " ".repeat(
        10_000) + "]}").build());
    assertThat(catchThrowableOfType(java.util.concurrent.ExecutionException.class,
        () -> registry.refresh(T, P).get(5, TimeUnit.SECONDS)).getCause())
        .isInstanceOf(InvalidJwksException.class).hasMessageContaining("max_response_bytes");

    assertThat(registry.resolve(T, P)).isSameAs(cached);
    ProviderStatus status = registry.providerStatus(T, P);
    assertThat(status.state()).isEqualTo(ProviderState.READY);
    assertThat(status.errorCount()).isEqualTo(2);
  }

  /** A store holding one expired snapshot (10 s past expiry) for the pair. */
  private SnapshotStore expiredSnapshotStore() {
    Instant now = time.instant();
    Snapshot s = Snapshot.of(T, P, SET1, null, null, now.minusSeconds(10), now.minusSeconds(600));
    return new SnapshotStore() {
      @Override
      public Optional<Snapshot> load(String tenantId, String providerId) {
        return Optional.of(s);
      }

      @Override
      public List<Snapshot> loadAll(Collection<PairId> pairs) {
        return List.of(s);
      }

      @Override
      public void persist(Collection<Snapshot> snapshots) {
      }

      @Override
      public void delete(String tenantId, String providerId) {
      }
    };
  }

  /**
   * DNS failure with a stale set: the host no longer resolves (the {@code .invalid} TLD never
   * does), the cached set is past its expiry but inside stale_while_error: callers get the stale
   * set, the refresh reports a DNS failure, and during the backoff nobody touches DNS again.
   */
  @Test
  void aDnsFailureWithAStaleSetServesTheStaleSet() throws Exception {
    Registry registry = manual(Registry.builder().snapshotStore(expiredSnapshotStore()));
    registry.register(registration("http://jwks.idp.invalid/.well-known/jwks.json")
        .staleWhileError(Duration.ofMinutes(5)).build());
    assertThat(registry.providerStatus(T, P).state()).isEqualTo(ProviderState.READY);

    JWKSet stale = registry.resolve(T, P);
    assertThat(stale.getKeyByKeyId("e1")).isNotNull();
    ProviderStatus status = registry.providerStatus(T, P);
    assertThat(status.errorCount()).isEqualTo(1);
    assertThat(status.lastError()).contains("Could not resolve the host");

    FetchFailureException dns = (FetchFailureException) catchThrowableOfType(
        java.util.concurrent.ExecutionException.class,
        () -> registry.refresh(T, P).get(5, TimeUnit.SECONDS)).getCause();
    assertThat(dns.kind()).isEqualTo(FetchFailureException.Kind.DNS);
    // inside the backoff: the stale set at once
    assertThat(registry.resolve(T, P)).isSameAs(stale);
    assertThat(registry.resolveKey(T, P, "e1").getKeyID()).isEqualTo("e1");
  }

  /** A TLS failure (an untrusted certificate) with a stale set: the same promise as DNS. */
  @Test
  void aTlsFailureWithAStaleSetServesTheStaleSet() throws Exception {
    HeldCertificate selfSigned = new HeldCertificate.Builder().addSubjectAlternativeName(
        "localhost").commonName("localhost").build();
    MockWebServer https = new MockWebServer();
    https.useHttps(new HandshakeCertificates.Builder().heldCertificate(selfSigned).build()
        .sslSocketFactory());
    https.setDispatcher(new mockwebserver3.Dispatcher() {
      @Override
      public MockResponse dispatch(mockwebserver3.RecordedRequest request) {
        return new MockResponse.Builder().code(200).body(SET1).build();
      }
    });
    https.start(InetAddress.getByName("127.0.0.1"), 0);
    toClose.add(https::close);
    Registry registry = manual(Registry.builder().requireHttps(true)
        .snapshotStore(expiredSnapshotStore()));
    registry.register(ProviderRegistration.builder(T, P, "https://localhost:" + https.getPort()
            + "/jwks").staleWhileError(Duration.ofMinutes(5)).retryPolicy(fastRetries())
        .build());

    assertThat(registry.resolve(T, P).getKeyByKeyId("e1")).isNotNull();
    FetchFailureException tls = (FetchFailureException) catchThrowableOfType(
        java.util.concurrent.ExecutionException.class,
        () -> registry.refresh(T, P).get(5, TimeUnit.SECONDS)).getCause();
    assertThat(tls.kind()).isEqualTo(FetchFailureException.Kind.TLS);
    assertThat(registry.resolve(T, P).getKeyByKeyId("e1")).isNotNull();
  }

  // ------------------------------------------------------------------ caller

  /**
   * An interrupted caller waiting for the first load gets an INTERRUPTED fetch failure at once,
   * with its interrupt flag still set; the shared fetch goes on and serves the other waiters; an
   * interrupted thread resolving a cached pair simply gets its hit.
   */
  @Test
  void anInterruptedCallerGivesUpAloneAndTheSharedFetchServesTheOthers() throws Exception {
    upstream.respond(r -> slowJwks(1_000));
    Registry registry = real(Registry.builder());
    registry.register(registration(upstream.url()).retryPolicy(RetryPolicy.builder()
        .maxRetries(0).attemptTimeout(Duration.ofSeconds(3)).initialBackoff(Duration.ofMillis(10))
        .maxBackoff(Duration.ofMillis(10)).deadline(Duration.ofSeconds(3)).build()).build());

    AtomicReference<Throwable> interrupted = new AtomicReference<>();
    AtomicReference<Boolean> flagKept = new AtomicReference<>();
    CountDownLatch started = new CountDownLatch(1);
    Thread victim = new Thread(() -> {
      started.countDown();
      try {
        registry.resolve(T, P);
      } catch (Throwable e) {
        interrupted.set(e);
        flagKept.set(Thread.currentThread().isInterrupted());
      }
    });
    CompletableFuture<JWKSet> other = CompletableFuture.supplyAsync(() -> registry.resolve(T, P));
    victim.start();
    started.await();
    Thread.sleep(200);
    long t0 = System.nanoTime();
    victim.interrupt();
    victim.join(5_000);
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isLessThan(900);
    assertThat(interrupted.get()).isInstanceOf(FetchFailureException.class);
    assertThat(((FetchFailureException) interrupted.get()).kind())
        .isEqualTo(FetchFailureException.Kind.INTERRUPTED);
    assertThat(flagKept.get()).isTrue();

    assertThat(other.get(5, TimeUnit.SECONDS).getKeyByKeyId("e1")).isNotNull();
    assertThat(upstream.requests()).isEqualTo(1);

    Thread.currentThread().interrupt();
    try {
      assertThat(registry.resolveKey(T, P, "e1").getKeyID()).isEqualTo("e1");
      assertThat(Thread.currentThread().isInterrupted()).isTrue();
    } finally {
      Thread.interrupted();
    }
  }

  /**
   * Cancelling a resolveAsync / resolveKeyAsync / refresh future cancels that future only: the
   * shared fetch completes, the other waiters get the set, and the cache stores it.
   */
  @Test
  void cancellingAFutureNeverCancelsTheSharedFetch() throws Exception {
    upstream.respond(r -> slowJwks(600));
    Registry registry = real(Registry.builder());
    registry.register(registration(upstream.url()).retryPolicy(RetryPolicy.builder()
        .maxRetries(0).attemptTimeout(Duration.ofSeconds(3)).initialBackoff(Duration.ofMillis(10))
        .maxBackoff(Duration.ofMillis(10)).deadline(Duration.ofSeconds(3)).build()).build());

    CompletableFuture<JWKSet> cancelled = registry.resolveAsync(T, P);
    CompletableFuture<?> cancelledKey = registry.resolveKeyAsync(T, P, "e1");
    CompletableFuture<JWKSet> kept = registry.resolveAsync(T, P);
    assertThat(cancelled.cancel(true)).isTrue();
    assertThat(cancelledKey.cancel(true)).isTrue();
    assertThatThrownBy(cancelled::join).isInstanceOf(CancellationException.class);

    assertThat(kept.get(5, TimeUnit.SECONDS).getKeyByKeyId("e1")).isNotNull();
    assertThat(registry.providerStatus(T, P).state()).isEqualTo(ProviderState.READY);
    assertThat(registry.resolve(T, P)).isSameAs(kept.get());
    assertThat(upstream.requests()).isEqualTo(1);

    // A cancelled refresh still refreshes.
    events.drain();
    Instant before = registry.providerStatus(T, P).lastRefresh();
    Thread.sleep(5);
    assertThat(registry.refresh(T, P).cancel(true)).isTrue();
    events.await(1);
    assertThat(registry.providerStatus(T, P).lastRefresh()).isAfter(before);
    assertThat(upstream.requests()).isEqualTo(2);
  }

  /** A caller blocked on a load when the registry closes is released with a documented error. */
  @Test
  void closingTheRegistryReleasesBlockedCallersAtOnce() throws Exception {
    upstream.respond(r -> slowJwks(5_000));
    Registry registry = Registry.builder().requireHttps(false).build();
    registry.register(registration(upstream.url()).retryPolicy(RetryPolicy.builder()
        .maxRetries(0).attemptTimeout(Duration.ofSeconds(8)).initialBackoff(Duration.ofMillis(10))
        .maxBackoff(Duration.ofMillis(10)).deadline(Duration.ofSeconds(8)).build()).build());
    CompletableFuture<JWKSet> blocked = CompletableFuture.supplyAsync(() -> registry.resolve(T,
        P));
    CompletableFuture<JWKSet> async = registry.resolveAsync(T, P);
    Thread.sleep(300);
    long t0 = System.nanoTime();
    registry.close();
    assertThatThrownBy(() -> blocked.get(3, TimeUnit.SECONDS)).hasCauseInstanceOf(
        NotRegisteredException.class);
    assertThatThrownBy(() -> async.get(1, TimeUnit.SECONDS)).hasCauseInstanceOf(
        NotRegisteredException.class);
    // close waits 2 s for fetches, then interrupts and cancels them. Found by this test: a
    // fetch blocked reading a hanging upstream ignored the interrupt, so close took 5 s and the
    // fetch thread outlived it until the upstream answered.
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isLessThan(3_500);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
    while (fetchThreadsAlive() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertThat(fetchThreadsAlive()).isZero();
    assertThatThrownBy(() -> registry.resolve(T, P)).isInstanceOf(RegistryClosedException.class);
    assertThat(registry.refresh(T, P)).isCompletedExceptionally();
    assertThatThrownBy(() -> registry.refresh(T, P).join()).hasCauseInstanceOf(
        RegistryClosedException.class);
    assertThatThrownBy(registry::persistAll).isInstanceOf(RegistryClosedException.class);
    assertThatThrownBy(registry::allStatuses).isInstanceOf(RegistryClosedException.class);
    registry.close(); // idempotent
  }

  private static long fetchThreadsAlive() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().startsWith("jwks-cache-fetch") && t.isAlive()).count();
  }

  /** Bad ids and unknown pairs: a validation error or "not registered", on every entry point. */
  @Test
  void badIdsAndUnknownPairsGetDocumentedErrorsOnEveryEntryPoint() throws Exception {
    upstream.serve(SET1, 300);
    Registry registry = manual(Registry.builder());
    registry.register(registration(upstream.url()).build());
    String[][] unknown = {{"nobody", P}, {T, "nothing"}, {"", ""}, {"t/../x", P},
        {"\u0000", "\n"}};
    for (String[] ids : unknown) {
      String t = ids[0];
      String p = ids[1];
      assertThatThrownBy(() -> registry.resolve(t, p)).isInstanceOf(NotRegisteredException.class);
      assertThatThrownBy(() -> registry.resolveKey(t, p, "e1"))
          .isInstanceOf(NotRegisteredException.class);
      assertThatThrownBy(() -> registry.resolvePublicKey(t, p, "e1"))
          .isInstanceOf(NotRegisteredException.class);
      assertThatThrownBy(() -> registry.providerStatus(t, p))
          .isInstanceOf(NotRegisteredException.class);
      assertThatThrownBy(() -> registry.registration(t, p))
          .isInstanceOf(NotRegisteredException.class);
      assertThatThrownBy(() -> registry.jwkSource(t, p))
          .isInstanceOf(NotRegisteredException.class);
      assertThatThrownBy(() -> registry.resolveAsync(t, p).join())
          .hasCauseInstanceOf(NotRegisteredException.class);
      assertThatThrownBy(() -> registry.resolveKeyAsync(t, p, "e1").join())
          .hasCauseInstanceOf(NotRegisteredException.class);
      assertThatThrownBy(() -> registry.refresh(t, p).join())
          .hasCauseInstanceOf(NotRegisteredException.class);
      assertThat(registry.unregister(t, p)).isFalse();
    }
    assertThatThrownBy(() -> registry.resolve(null, P)).isInstanceOf(ValidationException.class);
    assertThatThrownBy(() -> registry.resolve(T, null)).isInstanceOf(ValidationException.class);
    assertThatThrownBy(() -> registry.resolveKey(T, P, null))
        .isInstanceOf(ValidationException.class);
    assertThatThrownBy(() -> registry.resolveKeyAsync(T, P, null).join())
        .hasCauseInstanceOf(ValidationException.class);
    assertThatThrownBy(() -> registry.unregister(null, P)).isInstanceOf(ValidationException.class);
    // Found by this test: register(null) threw a NullPointerException, and null builder values
    // (as an admin API would pass for a JSON null) did too.
    assertThatThrownBy(() -> registry.register(null)).isInstanceOf(ValidationException.class);
    assertThatThrownBy(() -> ProviderRegistration.builder(T, P, upstream.url())
        .refreshEarly(null)).isInstanceOf(ValidationException.class)
        .hasMessageContaining("refresh_early");
    assertThatThrownBy(() -> ProviderRegistration.builder(T, P, upstream.url())
        .pinnedSpki(null)).isInstanceOf(ValidationException.class);
    assertThatThrownBy(() -> Registry.builder().clock(null))
        .isInstanceOf(ValidationException.class);
    assertThatThrownBy(() -> ProviderRegistration.builder("bad tenant!", P, upstream.url())
        .build()).isInstanceOf(ValidationException.class);
    // the registered pair is untouched by all of this
    assertThat(registry.resolveKey(T, P, "e1").getKeyID()).isEqualTo("e1");
  }

  // ------------------------------------------------------------------ store

  /**
   * Disk full, then read-only, under a registry writing through to a file store. A tiny tmpfs is
   * mounted when this process may (root with CAP_SYS_ADMIN, as in CI); otherwise the store's
   * directory is replaced by a regular file, which fails every write the same way. Resolves never
   * fail, failures are counted, persistAll reports them, and writes resume when space returns.
   */
  @Test
  void aFullOrReadOnlyDiskNeverFailsAResolve() throws Exception {
    Path mount = Files.createDirectory(dir.resolve("tmpfs"));
    boolean tmpfs = !Boolean.getBoolean("jwks.test.noTmpfs")
        && run("mount", "-t", "tmpfs", "-o", "size=64k,mode=0700", "tmpfs", mount.toString());
    try {
      Path storeDir = mount.resolve("snapshots");
      FileSnapshotStore store = FileSnapshotStore.builder(storeDir).ioThreads(1).build();
      upstream.serve(SET1, 300);
      Registry registry = manual(Registry.builder().snapshotStore(store));
      registry.register(registration(upstream.url()).build());
      registry.resolve(T, P);
      waitFor(() -> store.load(T, P).isPresent()); // the write-through runs after the resolve
      assertThat(registry.persistenceFailures()).isZero();

      Path filler = mount.resolve("filler");
      if (tmpfs) {
        fill(filler); // ENOSPC from now on
      } else {
        deleteTree(storeDir);
        Files.writeString(storeDir, "not a directory any more");
      }
      events.drain();
      registry.refresh(T, P).get(5, TimeUnit.SECONDS); // write-through fails
      waitFor(() -> registry.persistenceFailures() >= 1);
      assertThat(registry.resolve(T, P).getKeyByKeyId("e1")).isNotNull();
      assertThatThrownBy(registry::persistAll).isInstanceOf(PersistenceException.class);
      assertThat(registry.providerStatus(T, P).metrics()).anySatisfy(m -> {
        assertThat(m.name()).isEqualTo("jwks_cache_persistence_failures_total");
        assertThat(m.value()).isGreaterThanOrEqualTo(1);
      });

      if (tmpfs) {
        Files.delete(filler);
        assertThat(run("mount", "-o", "remount,ro", mount.toString())).isTrue();
        long failures = registry.persistenceFailures();
        registry.refresh(T, P).get(5, TimeUnit.SECONDS); // EROFS
        waitFor(() -> registry.persistenceFailures() > failures);
        assertThatThrownBy(registry::persistAll).isInstanceOf(PersistenceException.class)
            .hasMessageContaining("Read-only");
        assertThat(registry.resolve(T, P).getKeyByKeyId("e1")).isNotNull();
        assertThat(run("mount", "-o", "remount,rw", mount.toString())).isTrue();
      } else {
        Files.delete(storeDir);
        Files.createDirectory(storeDir);
      }
      assertThat(registry.persistAll()).isEqualTo(1); // space is back: writes resume
      assertThat(store.load(T, P)).isPresent();
      System.out.println("disk-full test ran on " + (tmpfs ? "a 64 KiB tmpfs"
          : "a directory replaced by a file (no tmpfs mount permitted)"));
    } finally {
      for (AutoCloseable c : toClose) {
        c.close();
      }
      toClose.clear();
      if (tmpfs) {
        run("umount", mount.toString());
      }
    }
  }

  private static void fill(Path file) throws IOException {
    byte[] block = new byte[4096];
    try (var out = Files.newOutputStream(file)) {
      for (int i = 0; i < 1_000; i++) {
        out.write(block);
        out.flush();
      }
      throw new AssertionError("a 64 KiB tmpfs took 4 MB");
    } catch (IOException e) {
      if (!String.valueOf(e.getMessage()).contains("space")) {
        throw e;
      }
    }
  }

  private static void deleteTree(Path p) throws IOException {
    try (var walk = Files.walk(p)) {
      for (Path q : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(q);
      }
    }
  }

  private static boolean run(String... cmd) {
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      boolean ok = p.waitFor() == 0;
      if (!ok) {
        System.out.println(String.join(" ", cmd) + ": " + out.trim());
      }
      return ok;
    } catch (IOException | InterruptedException e) {
      return false;
    }
  }

  private static void waitFor(java.util.function.BooleanSupplier condition) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not reached within 10 s");
      }
      Thread.sleep(10);
    }
  }
}
