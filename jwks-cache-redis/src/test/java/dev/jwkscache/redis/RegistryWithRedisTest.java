package dev.jwkscache.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jwkscache.ProviderRegistration;
import dev.jwkscache.ProviderState;
import dev.jwkscache.ProviderStatus;
import dev.jwkscache.Registry;
import dev.jwkscache.metrics.CacheEventListener;
import dev.jwkscache.testing.JwksServer;
import dev.jwkscache.testing.TestKeys;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The registry against a real redis-server that is down, killed and restarted. */
@ExtendWith(RedisServerExtension.class)
class RegistryWithRedisTest {
  private static final String SET = TestKeys.publicJwks(TestKeys.rsa("k1"));
  private final JwksServer upstream = new JwksServer();
  private final Semaphore storeFailures = new Semaphore(0);
  private final Semaphore written = new Semaphore(0);
  private final CacheEventListener listener = new CacheEventListener() {
    @Override
    public void onPersistenceFailure(String tenantId, String providerId, String reason) {
      storeFailures.release();
    }

    @Override
    public void onPersisted(String tenantId, String providerId) {
      written.release();
    }
  };

  @AfterEach
  void tearDown() {
    upstream.close();
  }

  private RedisSnapshotStore store(RedisServer server) {
    return RedisSnapshotStore.builder(server.uri()).timeout(Duration.ofMillis(500)).build();
  }

  private ProviderRegistration registration(String tenant) {
    return ProviderRegistration.builder(tenant, "idp", upstream.url()).build();
  }

  @Test
  void redisDownAtStartTheRegistryStillServesAndCountsTheFailure(RedisServer server)
      throws Exception {
    upstream.serve(SET, 300);
    server.kill();
    try (Registry registry = Registry.builder().requireHttps(false).listener(listener)
        .snapshotStore(store(server)).build()) {
      registry.register(registration("t1")); // restore attempt fails
      assertThat(registry.resolveKey("t1", "idp", "k1").getKeyID()).isEqualTo("k1");
      assertThat(storeFailures.tryAcquire(2, 10, TimeUnit.SECONDS)).isTrue(); // load + write
      ProviderStatus status = registry.providerStatus("t1", "idp");
      assertThat(status.state()).isEqualTo(ProviderState.READY);
      assertThat(status.metrics()).anySatisfy(m -> {
        assertThat(m.name()).isEqualTo("jwks_cache_persistence_failures_total");
        assertThat(m.value()).isGreaterThanOrEqualTo(2);
      });
    }
    assertThat(upstream.requests()).isEqualTo(1);
  }

  @Test
  void redisKilledMidRunResolvesKeepWorkingAndWritesResumeAfterRestart(RedisServer server)
      throws Exception {
    upstream.serve(SET, 300);
    try (Registry registry = Registry.builder().requireHttps(false).listener(listener)
        .snapshotStore(store(server)).build();
        RedisSnapshotStore reader = store(server)) {
      registry.register(registration("t1"));
      registry.resolve("t1", "idp");
      assertThat(written.tryAcquire(10, TimeUnit.SECONDS)).isTrue(); // the write-through landed
      assertThat(snapshotPresent(reader, "t1")).isTrue();

      server.kill();
      registry.refresh("t1", "idp").get(10, TimeUnit.SECONDS); // write-through fails
      assertThat(storeFailures.tryAcquire(1, 10, TimeUnit.SECONDS)).isTrue();
      for (int i = 0; i < 100; i++) {
        assertThat(registry.resolveKey("t1", "idp", "k1").getKeyID()).isEqualTo("k1");
      }

      server.restart();
      registry.register(registration("t2"));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
      // The client reconnects in the background; refresh until a write lands.
      while (System.nanoTime() < deadline) {
        registry.refresh("t2", "idp").get(10, TimeUnit.SECONDS);
        if (snapshotPresent(reader, "t2")) {
          break;
        }
      }
      assertThat(snapshotPresent(reader, "t2")).isTrue();
      assertThat(registry.resolveKey("t1", "idp", "k1").getKeyID()).isEqualTo("k1");
    }
  }

  @Test
  void aSecondInstanceStartsWarmFromRedisWithoutUpstream(RedisServer server) {
    upstream.serve(SET, 300);
    try (Registry first = Registry.builder().requireHttps(false).snapshotStore(store(server))
        .build()) {
      first.register(registration("t1"));
      first.resolve("t1", "idp");
      assertThat(first.persistAll()).isEqualTo(1);
    }
    try (Registry second = Registry.builder().requireHttps(false).snapshotStore(store(server))
        .build()) {
      second.register(registration("t1"));
      assertThat(second.providerStatus("t1", "idp").state()).isEqualTo(ProviderState.READY);
      assertThat(second.resolveKey("t1", "idp", "k1").getKeyID()).isEqualTo("k1");
    }
    assertThat(upstream.requests()).isEqualTo(1);
  }

  private static boolean snapshotPresent(RedisSnapshotStore reader, String tenant) {
    try {
      return reader.load(tenant, "idp").isPresent();
    } catch (RuntimeException e) {
      return false;
    }
  }
}
