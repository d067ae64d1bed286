package dev.jwkscache.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jwkscache.PersistenceException;
import dev.jwkscache.persist.Snapshot;
import dev.jwkscache.persist.SnapshotCodec;
import dev.jwkscache.persist.SnapshotStore.PairId;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(RedisServerExtension.class)
class RedisSnapshotStoreTest {
  private static final String JWKS = "{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\",\"kid\":\"k1\","
      + "\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\","
      + "\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\"}]}";
  /** Slack for a loaded 2-core machine on top of the configured timeout. */
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

  private RedisCommands<String, String> raw(RedisServer server) {
    RedisClient client = RedisClient.create(server.uri());
    StatefulRedisConnection<String, String> c = client.connect();
    toClose.add(client::shutdown);
    toClose.add(c::close);
    return c.sync();
  }

  private static Snapshot snapshot(String tenant, String provider, Instant expiresAt) {
    return Snapshot.of(tenant, provider, JWKS, "\"v1\"", Instant.parse("2024-09-30T08:49:37Z"),
        expiresAt, Instant.now().minusSeconds(1));
  }

  private static Snapshot snapshot(String tenant, String provider) {
    return snapshot(tenant, provider, Instant.now().plusSeconds(3600));
  }

  @Test
  void roundTripLoadLoadAllAndDelete(RedisServer server) {
    RedisSnapshotStore store = store(RedisSnapshotStore.builder(server.uri()));
    Snapshot s = snapshot("acme", "google").withSeal("k1:abc");
    assertThat(store.load("acme", "google")).isEmpty();
    store.persist(List.of(s));
    assertThat(store.load("acme", "google")).contains(s);
    assertThat(store.loadAll(List.of(new PairId("acme", "google"), new PairId("acme", "none"))))
        .containsExactly(s);
    // the value is the codec's JSON
    assertThat(SnapshotCodec.decode(raw(server).get("jwks-cache:acme:google"))).isEqualTo(s);
    store.delete("acme", "google");
    assertThat(store.load("acme", "google")).isEmpty();
    assertThatCode(() -> store.delete("acme", "google")).doesNotThrowAnyException();
  }

  @Test
  void namespaceIsConfigurableAndIsolates(RedisServer server) {
    RedisSnapshotStore a = store(RedisSnapshotStore.builder(server.uri()).namespace("prod:jwks"));
    RedisSnapshotStore b = store(RedisSnapshotStore.builder(server.uri()));
    assertThat(a.key("acme", "google")).isEqualTo("prod:jwks:acme:google");
    assertThat(b.namespace()).isEqualTo("jwks-cache");
    a.persist(List.of(snapshot("acme", "google")));
    RedisCommands<String, String> raw = raw(server);
    assertThat(raw.exists("prod:jwks:acme:google")).isEqualTo(1L);
    assertThat(raw.exists("jwks-cache:acme:google")).isZero();
    assertThat(b.load("acme", "google")).isEmpty();
    assertThat(a.load("acme", "google")).isPresent();
  }

  @Test
  void expiryFollowsExpiresAtWithAOneSecondFloor(RedisServer server) {
    RedisSnapshotStore store = store(RedisSnapshotStore.builder(server.uri()));
    Instant expires = Instant.now().plusSeconds(600);
    Snapshot expired = Snapshot.of("acme", "old", JWKS, null, null,
        Instant.now().minusSeconds(30), Instant.now().minusSeconds(90));
    store.persist(List.of(snapshot("acme", "google", expires), expired));
    RedisCommands<String, String> raw = raw(server);
    long pttl = raw.pttl("jwks-cache:acme:google");
    long expected = Duration.between(Instant.now(), expires).toMillis();
    assertThat(pttl).isBetween(expected - 2_000, expected + 100);
    long floor = raw.pttl("jwks-cache:acme:old");
    assertThat(floor).isBetween(1L, 1_000L);
  }

  @Test
  void expiryGraceKeepsKeysLonger(RedisServer server) {
    RedisSnapshotStore store = store(RedisSnapshotStore.builder(server.uri())
        .expiryGrace(Duration.ofMinutes(5)));
    store.persist(List.of(snapshot("acme", "google", Instant.now().minusSeconds(60))));
    assertThat(raw(server).pttl("jwks-cache:acme:google")).isBetween(230_000L, 240_100L);
  }

  @Test
  void pipelinedBulkOfAThousand(RedisServer server) {
    RedisSnapshotStore store = store(RedisSnapshotStore.builder(server.uri())
        .timeout(Duration.ofSeconds(5)));
    List<Snapshot> batch = new ArrayList<>();
    List<PairId> pairs = new ArrayList<>();
    for (int i = 0; i < 1_000; i++) {
      batch.add(snapshot("tenant-" + i, "idp"));
      pairs.add(new PairId("tenant-" + i, "idp"));
    }
    long t0 = System.nanoTime();
    store.persist(batch);
    long t1 = System.nanoTime();
    List<Snapshot> loaded = store.loadAll(pairs);
    long t2 = System.nanoTime();
    assertThat(loaded).containsExactlyInAnyOrderElementsOf(batch);
    assertThat(raw(server).dbsize()).isEqualTo(1_000L);
    System.out.printf("redis bulk of 1000: persist %d ms, loadAll %d ms%n",
        (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000);
  }

  @Test
  void redisDownAtStartThenUp(RedisServer server) throws Exception {
    server.kill();
    RedisSnapshotStore store = store(RedisSnapshotStore.builder(server.uri())
        .timeout(Duration.ofMillis(500)));
    assertThatThrownBy(() -> store.persist(List.of(snapshot("t", "p"))))
        .isInstanceOf(PersistenceException.class);
    server.restart();
    eventually(Duration.ofSeconds(10), () -> store.persist(List.of(snapshot("t", "p"))));
    assertThat(store.load("t", "p")).isPresent();
  }

  @Test
  void killedAndRestartedMidTestWritesFailThenResume(RedisServer server) throws Exception {
    Duration timeout = Duration.ofMillis(500);
    RedisSnapshotStore store = store(RedisSnapshotStore.builder(server.uri()).timeout(timeout));
    store.persist(List.of(snapshot("t", "before")));
    assertThat(store.isConnected()).isTrue();

    server.kill();
    for (int i = 0; i < 3; i++) {
      long t0 = System.nanoTime();
      assertThatThrownBy(() -> store.persist(List.of(snapshot("t", "during"))))
          .isInstanceOf(PersistenceException.class);
      assertThatThrownBy(() -> store.load("t", "before")).isInstanceOf(PersistenceException.class);
      assertThat((System.nanoTime() - t0) / 1_000_000)
          .isLessThan(2 * timeout.toMillis() + SLACK_MS);
    }

    server.restart();
    eventually(Duration.ofSeconds(10), () -> store.persist(List.of(snapshot("t", "after"))));
    assertThat(store.load("t", "after")).isPresent();
    assertThat(store.load("t", "before")).isEmpty(); // the restarted server kept nothing
  }

  @Test
  void hungRedisNeverHoldsACallerLongerThanTheTimeout(RedisServer server) throws Exception {
    Duration timeout = Duration.ofMillis(400);
    RedisSnapshotStore connected = store(RedisSnapshotStore.builder(server.uri())
        .timeout(timeout));
    connected.persist(List.of(snapshot("t", "p")));
    server.pause();
    try {
      RedisSnapshotStore fresh = store(RedisSnapshotStore.builder(server.uri())
          .timeout(timeout)); // its connection attempt hangs in the handshake
      List<Runnable> calls = List.of(
          () -> connected.load("t", "p"),
          () -> connected.persist(List.of(snapshot("t", "p"), snapshot("t", "q"))),
          () -> connected.loadAll(List.of(new PairId("t", "p"))),
          () -> fresh.load("t", "p"),
          () -> fresh.load("t", "p"));
      for (Runnable call : calls) {
        long t0 = System.nanoTime();
        assertThatThrownBy(call::run).isInstanceOf(PersistenceException.class)
            .hasMessageContaining("did not answer within 400 ms");
        assertThat((System.nanoTime() - t0) / 1_000_000)
            .isLessThan(timeout.toMillis() + SLACK_MS);
      }
      server.resume();
      eventually(Duration.ofSeconds(10), () -> assertThat(connected.load("t", "p")).isPresent());
      eventually(Duration.ofSeconds(10), () -> assertThat(fresh.load("t", "p")).isPresent());
    } finally {
      server.resume();
    }
  }

  @Test
  void corruptValuesAreSkippedByLoadAllAndThrownByLoad(RedisServer server) {
    RedisSnapshotStore store = store(RedisSnapshotStore.builder(server.uri()));
    store.persist(List.of(snapshot("t", "a"), snapshot("t", "c")));
    RedisCommands<String, String> raw = raw(server);
    raw.set("jwks-cache:t:b", "{\"tenant_id\":\"t\",\"provider_id\":\"b\",\"jwks_json\":");
    raw.set("jwks-cache:t:d", SnapshotCodec.encode(snapshot("intruder", "d")));

    PrintStream original = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    List<Snapshot> loaded;
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      loaded = store.loadAll(List.of(new PairId("t", "a"), new PairId("t", "b"),
          new PairId("t", "c"), new PairId("t", "d")));
    } finally {
      System.setErr(original);
    }
    assertThat(loaded).extracting(Snapshot::providerId).containsExactlyInAnyOrder("a", "c");
    assertThat(captured.toString(StandardCharsets.UTF_8)).contains("jwks-cache:t:b")
        .contains("jwks-cache:t:d");
    assertThatThrownBy(() -> store.load("t", "b")).isInstanceOf(PersistenceException.class)
        .hasMessageContaining("jwks-cache:t:b");
    assertThatThrownBy(() -> store.load("t", "d")).isInstanceOf(PersistenceException.class)
        .hasMessageContaining("another pair");
  }

  @Test
  void aBadSnapshotInABatchIsCountedAndTheRestWritten(RedisServer server) {
    RedisSnapshotStore store = store(RedisSnapshotStore.builder(server.uri()));
    Snapshot noExpiry = Snapshot.of("t", "bad", JWKS, null, null, null, Instant.now());
    assertThatThrownBy(() -> store.persist(List.of(snapshot("t", "a"), noExpiry,
        snapshot("t:x", "b"), snapshot("t", "c"))))
        .isInstanceOf(PersistenceException.class).hasMessageContaining("2 of 4");
    assertThat(store.load("t", "a")).isPresent();
    assertThat(store.load("t", "c")).isPresent();
  }

  @Test
  void closeIsIdempotentAndLaterCallsFail(RedisServer server) {
    RedisSnapshotStore store = RedisSnapshotStore.builder(server.uri()).build();
    store.persist(List.of(snapshot("t", "p")));
    store.close();
    store.close();
    assertThatThrownBy(() -> store.load("t", "p")).isInstanceOf(PersistenceException.class)
        .hasMessageContaining("closed");
    assertThatThrownBy(() -> store.persist(List.of())).isInstanceOf(PersistenceException.class);
  }

  private static void eventually(Duration within, Runnable action) throws InterruptedException {
    long deadline = System.nanoTime() + within.toNanos();
    while (true) {
      try {
        action.run();
        return;
      } catch (RuntimeException | AssertionError e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(100);
      }
    }
  }

}
