package dev.jwkscache.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.jwk.JWKSet;
import dev.jwkscache.PersistenceException;
import dev.jwkscache.ProviderRegistration;
import dev.jwkscache.ProviderState;
import dev.jwkscache.Registry;
import dev.jwkscache.persist.SealKey;
import dev.jwkscache.persist.Snapshot;
import dev.jwkscache.persist.SnapshotCodec;
import dev.jwkscache.persist.SnapshotSealer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The store rows of the fault matrix through a registry that uses {@link RedisSnapshotStore}: a
 * Redis that is down, hung (SIGSTOP), restarted empty, or holding corrupt or forged entries never
 * fails a resolve; failures are counted; writes resume when Redis comes back.
 */
@ExtendWith(RedisServerExtension.class)
class RedisRegistryFaultTest {
  private static final String JWKS = "{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\",\"kid\":\"k1\","
      + "\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\","
      + "\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\"}]}";
  private static final Duration TIMEOUT = Duration.ofMillis(400);
  /** Slack for a loaded 2-core machine on top of the configured timeout. */
  private static final long SLACK_MS = 1_500;

  private final MockWebServer upstream = new MockWebServer();
  private final AtomicInteger requests = new AtomicInteger();
  private final List<AutoCloseable> toClose = new ArrayList<>();

  @BeforeEach
  void startUpstream() throws IOException {
    upstream.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        requests.incrementAndGet();
        return new MockResponse.Builder().code(200).addHeader("Cache-Control", "max-age=600")
            .body(JWKS).build();
      }
    });
    upstream.start();
  }

  @AfterEach
  void closeAll() throws Exception {
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
    upstream.close();
  }

  /** Released once per write-through that landed in Redis. */
  private final java.util.concurrent.Semaphore written = new java.util.concurrent.Semaphore(0);
  private final dev.jwkscache.metrics.CacheEventListener writes =
      new dev.jwkscache.metrics.CacheEventListener() {
        @Override
        public void onPersisted(String tenantId, String providerId) {
          written.release();
        }
      };

  private Registry registry(RedisServer server, SnapshotSealer sealer) {
    Registry.Builder b = Registry.builder().requireHttps(false).listener(writes)
        .snapshotStore(RedisSnapshotStore.builder(server.uri()).timeout(TIMEOUT).build());
    if (sealer != null) {
      b.snapshotSealer(sealer);
    }
    Registry r = b.build();
    toClose.add(r);
    return r;
  }

  private ProviderRegistration registration(String provider) {
    return ProviderRegistration.builder("t", provider, upstream.url("/jwks").toString()).build();
  }

  private static long millisSince(long t0) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
  }

  @Test
  void redisDownNeverFailsAResolveAndWritesResumeWhenItIsBack(RedisServer server)
      throws Exception {
    server.kill();
    Registry registry = registry(server, null);
    long t0 = System.nanoTime();
    registry.register(registration("a")); // the restore attempt fails within the timeout
    assertThat(millisSince(t0)).isLessThan(TIMEOUT.toMillis() + SLACK_MS);
    JWKSet set = registry.resolve("t", "a");
    assertThat(set.getKeyByKeyId("k1")).isNotNull();
    eventually(() -> assertThat(registry.persistenceFailures()).isGreaterThanOrEqualTo(2));
    assertThatThrownBy(registry::persistAll).isInstanceOf(PersistenceException.class);

    server.restart();
    eventually(() -> assertThat(registry.persistAll()).isEqualTo(1));
    // a second instance now starts warm from Redis, without asking upstream
    Registry second = registry(server, null);
    int before = requests.get();
    second.register(registration("a"));
    assertThat(second.providerStatus("t", "a").state()).isEqualTo(ProviderState.READY);
    assertThat(second.resolve("t", "a").getKeyByKeyId("k1")).isNotNull();
    assertThat(requests.get()).isEqualTo(before);
  }

  @Test
  void aHungRedisDelaysNoResolveAndHoldsRegisterOnlyForTheTimeout(RedisServer server)
      throws Exception {
    Registry registry = registry(server, null);
    registry.register(registration("a"));
    registry.resolve("t", "a");
    server.pause();
    try {
      long t0 = System.nanoTime();
      registry.register(registration("b")); // restore read hangs, bounded by the timeout
      assertThat(millisSince(t0)).isLessThan(TIMEOUT.toMillis() + SLACK_MS);
      t0 = System.nanoTime();
      assertThat(registry.resolve("t", "b").getKeyByKeyId("k1")).isNotNull(); // upstream fetch
      for (int i = 0; i < 1_000; i++) {
        registry.resolve("t", "a"); // hits
      }
      // the write-through to the hung Redis runs after the caller was answered
      assertThat(millisSince(t0)).isLessThan(SLACK_MS);
      t0 = System.nanoTime();
      assertThatThrownBy(registry::persistAll).isInstanceOf(PersistenceException.class)
          .hasMessageContaining("did not answer within 400 ms");
      assertThat(millisSince(t0)).isLessThan(TIMEOUT.toMillis() + SLACK_MS);
      eventually(() -> assertThat(registry.persistenceFailures()).isGreaterThanOrEqualTo(3));
    } finally {
      server.resume();
    }
    eventually(() -> assertThat(registry.persistAll()).isEqualTo(2));
  }

  @Test
  void aRedisRestartedEmptyMeansAColdStartNotAFailure(RedisServer server) throws Exception {
    Registry first = registry(server, null);
    first.register(registration("a"));
    first.resolve("t", "a");
    eventually(() -> assertThat(first.persistAll()).isEqualTo(1));

    server.kill();
    server.restart(); // no persistence: Redis comes back empty
    Registry second = registry(server, null);
    int before = requests.get();
    eventually(() -> {
      second.unregister("t", "a");
      second.register(registration("a"));
      assertThat(second.providerStatus("t", "a").state()).isEqualTo(ProviderState.EMPTY);
    });
    assertThat(second.resolve("t", "a").getKeyByKeyId("k1")).isNotNull(); // fetched upstream
    assertThat(requests.get()).isEqualTo(before + 1);
    // the first registry's connection recovers too
    eventually(() -> assertThat(first.persistAll()).isEqualTo(1));
  }

  @Test
  void corruptAndForgedEntriesAreRefusedCountedAndRefetched(RedisServer server)
      throws Exception {
    SnapshotSealer sealer = new SnapshotSealer(SealKey.of("k-1", new byte[32]));
    try (RedisClient client = RedisClient.create(server.uri());
        StatefulRedisConnection<String, String> raw = client.connect()) {
      raw.sync().set("jwks-cache:t:a", "{\"tenant_id\":\"t\",\"provider_id\":\"a\",\"jwks_j");
      // well formed but unsealed: whoever can write Redis must not be able to plant keys
      raw.sync().set("jwks-cache:t:b", SnapshotCodec.encode(Snapshot.of("t", "b", JWKS, null,
          null, Instant.now().plusSeconds(3600), Instant.now())));
      Registry registry = registry(server, sealer);
      registry.register(registration("a"));
      registry.register(registration("b"));
      assertThat(registry.providerStatus("t", "a").state()).isEqualTo(ProviderState.EMPTY);
      assertThat(registry.providerStatus("t", "b").state()).isEqualTo(ProviderState.EMPTY);
      assertThat(registry.persistenceFailures()).isEqualTo(2);
      assertThat(registry.providerStatus("t", "b").metrics()).anySatisfy(m -> {
        assertThat(m.name()).isEqualTo("jwks_cache_persistence_failures_total");
        assertThat(m.value()).isEqualTo(1);
      });
      assertThat(registry.resolve("t", "a").getKeyByKeyId("k1")).isNotNull();
      assertThat(registry.resolve("t", "b").getKeyByKeyId("k1")).isNotNull();
      assertThat(requests.get()).isEqualTo(2);
      // the write-throughs replaced both entries with sealed snapshots
      assertThat(written.tryAcquire(2, 10, TimeUnit.SECONDS)).isTrue();
      assertThat(raw.sync().get("jwks-cache:t:a")).contains("\"seal\":\"k-1:");
      assertThat(raw.sync().get("jwks-cache:t:b")).contains("\"seal\":\"k-1:");
    }
  }

  private static void eventually(ThrowingRunnable action) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (true) {
      try {
        action.run();
        return;
      } catch (Exception | AssertionError e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(100);
      }
    }
  }

  @FunctionalInterface
  interface ThrowingRunnable {
    void run() throws Exception;
  }
}
