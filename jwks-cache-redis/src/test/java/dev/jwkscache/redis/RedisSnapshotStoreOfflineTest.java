package dev.jwkscache.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jwkscache.PersistenceException;
import dev.jwkscache.ValidationException;
import dev.jwkscache.persist.Snapshot;
import dev.jwkscache.persist.SnapshotStore.PairId;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Redis store behaviour that needs no running server: settings, keys, expiry, Redis absent. */
class RedisSnapshotStoreOfflineTest {
  private static final long SLACK_MS = 1_000;

  private final List<AutoCloseable> toClose = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
  }

  private RedisSnapshotStore store(RedisSnapshotStore.Builder b) {
    RedisSnapshotStore s = b.build();
    toClose.add(s);
    return s;
  }

  private static Snapshot snapshot(String tenant, String provider) {
    return Snapshot.of(tenant, provider, "{\"keys\":[]}", null, null,
        Instant.now().plusSeconds(3600), Instant.now());
  }

  @Test
  void namespaceAndIdsAreValidated() {
    RedisSnapshotStore.Builder b = RedisSnapshotStore.builder("redis://127.0.0.1:1");
    for (String bad : new String[] {"", " ", "a b", ":x", "x:", "x\ny", "\u00e9", "x".repeat(101)}) {
      assertThatThrownBy(() -> b.namespace(bad)).as(bad).isInstanceOf(ValidationException.class)
          .extracting(e -> ((ValidationException) e).field()).isEqualTo("redis_namespace");
    }
    assertThatThrownBy(() -> b.namespace(null)).isInstanceOf(ValidationException.class);
    assertThatThrownBy(() -> b.timeout(Duration.ZERO)).isInstanceOf(ValidationException.class);
    assertThatThrownBy(() -> b.expiryGrace(Duration.ofSeconds(-1)))
        .isInstanceOf(ValidationException.class);
    RedisSnapshotStore s = store(b.timeout(Duration.ofMillis(200)));
    assertThatThrownBy(() -> s.key("a:b", "c")).isInstanceOf(PersistenceException.class);
    assertThatThrownBy(() -> s.key("", "c")).isInstanceOf(PersistenceException.class);
    assertThatThrownBy(() -> s.key("a", null)).isInstanceOf(PersistenceException.class);
  }

  @Test
  void badUrisAreValidationErrorsWithoutThePassword() {
    assertThatThrownBy(() -> RedisSnapshotStore.builder("")).isInstanceOf(ValidationException.class);
    assertThatThrownBy(() -> RedisSnapshotStore.builder((String) null))
        .isInstanceOf(ValidationException.class);
    assertThatThrownBy(() -> RedisSnapshotStore.builder("http://user:hunter2@host:6379"))
        .isInstanceOf(ValidationException.class)
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("hunter2"));
    RedisSnapshotStore s = store(RedisSnapshotStore.builder("redis://:hunter2@127.0.0.1:1/3")
        .timeout(Duration.ofMillis(100)));
    assertThat(s.toString()).contains("127.0.0.1:1/3").doesNotContain("hunter2");
    assertThatThrownBy(() -> s.load("t", "p")).isInstanceOf(PersistenceException.class)
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("hunter2"));
  }

  @Test
  void expiryArithmetic() {
    RedisSnapshotStore s = store(RedisSnapshotStore.builder("redis://127.0.0.1:1")
        .timeout(Duration.ofMillis(100)));
    Instant now = Instant.parse("2024-10-01T12:00:00Z");
    assertThat(s.expiryMillis(now.plusMillis(90_500), now)).isEqualTo(90_500);
    assertThat(s.expiryMillis(now.plusMillis(999), now)).isEqualTo(1_000);
    assertThat(s.expiryMillis(now.minusSeconds(10), now)).isEqualTo(1_000);
    assertThat(s.expiryMillis(Instant.MAX, now)).isPositive();
  }

  @Test
  void notRunningFailsWithinTheTimeout() throws Exception {
    int port = RedisServer.freePort();
    Duration timeout = Duration.ofMillis(500);
    RedisSnapshotStore store = store(RedisSnapshotStore.builder("redis://127.0.0.1:" + port)
        .timeout(timeout));
    List<Runnable> calls = List.of(
        () -> store.load("t", "p"),
        () -> store.loadAll(List.of(new PairId("t", "p"))),
        () -> store.persist(List.of(snapshot("t", "p"))),
        () -> store.delete("t", "p"));
    for (Runnable call : calls) {
      long t0 = System.nanoTime();
      assertThatThrownBy(call::run).isInstanceOf(PersistenceException.class)
          .hasMessageContaining("127.0.0.1:" + port);
      assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(timeout.toMillis() + SLACK_MS);
    }
    assertThat(store.isConnected()).isFalse();
  }
}
