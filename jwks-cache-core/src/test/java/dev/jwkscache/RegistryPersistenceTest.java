package dev.jwkscache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.jwk.JWKSet;
import dev.jwkscache.persist.FileSnapshotStore;
import dev.jwkscache.persist.SealKey;
import dev.jwkscache.persist.Snapshot;
import dev.jwkscache.persist.SnapshotCodec;
import dev.jwkscache.persist.SnapshotSealer;
import dev.jwkscache.persist.SnapshotStore;
import dev.jwkscache.testing.JwksServer;
import dev.jwkscache.testing.ManualTime;
import dev.jwkscache.testing.RefreshEvents;
import dev.jwkscache.testing.TestKeys;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Warm starts through the registry with the embedded file store and real files. */
class RegistryPersistenceTest {
  private static final String SET1 = TestKeys.publicJwks(TestKeys.rsa("k1"));
  private static final String SET2 = TestKeys.publicJwks(TestKeys.rsa("k1"), TestKeys.rsa("k2"));
  private static final SealKey KEY = SealKey.of("k-2026", new byte[32]);

  @TempDir
  Path dir;
  private final ManualTime time = new ManualTime();
  private final JwksServer upstream = new JwksServer();

  @AfterEach
  void tearDown() {
    upstream.close();
  }

  private Registry.Builder registry(SnapshotStore store) {
    return Registry.builder().requireHttps(false).clock(time).scheduler(time)
        .snapshotStore(store);
  }

  private ProviderRegistration registration(String tenant) {
    return ProviderRegistration.builder(tenant, "idp", upstream.url())
        .prefetchJitter(Duration.ZERO).build();
  }

  @Test
  void aRestartComesBackWarmWithTheOriginalExpiryAndNoUpstreamRequest() {
    upstream.serve(SET1, 600);
    Instant expiresAt;
    try (Registry first = registry(new FileSnapshotStore(dir)).build()) {
      first.register(registration("t1"));
      first.resolve("t1", "idp"); // write-through
      expiresAt = first.providerStatus("t1", "idp").expiresAt();
    }
    assertThat(upstream.requests()).isEqualTo(1);

    time.advance(Duration.ofSeconds(100));
    try (Registry second = registry(new FileSnapshotStore(dir)).build()) {
      second.register(registration("t1"));
      ProviderStatus restored = second.providerStatus("t1", "idp");
      assertThat(restored.state()).isEqualTo(ProviderState.READY);
      assertThat(restored.expiresAt()).isEqualTo(expiresAt);
      assertThat(second.resolveKey("t1", "idp", "k1").getKeyID()).isEqualTo("k1");
    }
    assertThat(upstream.requests()).isEqualTo(1);
  }

  @Test
  void anExpiredSnapshotIsServedStaleAndRefreshedOnFirstUseNotAtRestore() {
    upstream.serve(SET1, 60);
    try (Registry first = registry(new FileSnapshotStore(dir)).build()) {
      first.register(registration("t1"));
      first.resolve("t1", "idp");
    }
    time.advance(Duration.ofSeconds(90)); // expired 30 s ago, inside the 60 s stale window
    upstream.serve(SET2, 60);
    RefreshEvents events = new RefreshEvents();
    try (Registry second = registry(new FileSnapshotStore(dir)).listener(events).build()) {
      second.register(registration("t1"));
      time.advance(Duration.ofSeconds(5));
      assertThat(upstream.requests()).isEqualTo(1); // nothing at restore, nothing on a timer

      JWKSet set = second.resolve("t1", "idp");
      assertThat(set.getKeyByKeyId("k2")).isNotNull();
      assertThat(upstream.requests()).isEqualTo(2);
    }
  }

  @Test
  void bulkRestoreSkipsACorruptFileAndRestoresTheRest() throws Exception {
    upstream.serve(SET1, 600);
    FileSnapshotStore store = new FileSnapshotStore(dir);
    try (Registry first = registry(store).build()) {
      for (String t : List.of("t1", "t2", "t3")) {
        first.register(registration(t));
        first.resolve(t, "idp");
      }
      assertThat(first.persistAll()).isEqualTo(3);
    }
    Files.writeString(new FileSnapshotStore(dir).fileFor("t2", "idp"), "{not json");

    try (Registry second = registry(new FileSnapshotStore(dir)).restoreOnRegister(false)
        .build()) {
      for (String t : List.of("t1", "t2", "t3")) {
        second.register(registration(t));
      }
      assertThat(second.restoreFromPersistence()).isEqualTo(2);
      assertThat(second.providerStatus("t1", "idp").state()).isEqualTo(ProviderState.READY);
      assertThat(second.providerStatus("t2", "idp").state()).isEqualTo(ProviderState.EMPTY);
      assertThat(second.providerStatus("t3", "idp").state()).isEqualTo(ProviderState.READY);
      // The store skips the corrupt file itself (logging its name); the pair fetches upstream.
      assertThat(second.resolve("t2", "idp")).isNotNull();
    }
    assertThat(upstream.requests()).isEqualTo(4);
  }

  @Test
  void sealedSnapshotsRoundTripAndATamperedOneIsRefused() throws Exception {
    upstream.serve(SET1, 600);
    SnapshotSealer sealer = new SnapshotSealer(KEY);
    try (Registry first = registry(new FileSnapshotStore(dir)).snapshotSealer(sealer).build()) {
      first.register(registration("t1"));
      first.register(registration("t2"));
      first.resolve("t1", "idp");
      first.resolve("t2", "idp");
    }
    // Plant a key in t2's snapshot while keeping its (now wrong) seal.
    Path t2 = new FileSnapshotStore(dir).fileFor("t2", "idp");
    Snapshot original = SnapshotCodec.decode(Files.readAllBytes(t2));
    Snapshot planted = new Snapshot(original.tenantId(), original.providerId(),
        TestKeys.publicJwks(TestKeys.rsa("attacker")), original.etag(), original.lastModified(),
        original.expiresAt(), original.persistedAt(), original.seal());
    Files.write(t2, SnapshotCodec.encode(planted).getBytes(StandardCharsets.UTF_8));

    try (Registry second = registry(new FileSnapshotStore(dir)).snapshotSealer(sealer).build()) {
      second.register(registration("t1"));
      second.register(registration("t2"));
      assertThat(second.providerStatus("t1", "idp").state()).isEqualTo(ProviderState.READY);
      assertThat(second.providerStatus("t2", "idp").state()).isEqualTo(ProviderState.EMPTY);
      assertThat(second.persistenceFailures()).isEqualTo(1);
      assertThat(second.providerStatus("t2", "idp").metrics()).anySatisfy(m -> {
        assertThat(m.name()).isEqualTo("jwks_cache_persistence_failures_total");
        assertThat(m.value()).isEqualTo(1);
      });
      assertThatThrownBy(() -> second.resolveKey("t2", "idp", "attacker"))
          .isInstanceOf(KeyNotFoundException.class);
    }
  }

  @Test
  void unsealedSnapshotsAreRefusedOnceSealingIsOn() {
    upstream.serve(SET1, 600);
    try (Registry first = registry(new FileSnapshotStore(dir)).build()) {
      first.register(registration("t1"));
      first.resolve("t1", "idp");
    }
    try (Registry second = registry(new FileSnapshotStore(dir))
        .snapshotSealer(new SnapshotSealer(KEY)).build()) {
      second.register(registration("t1"));
      assertThat(second.providerStatus("t1", "idp").state()).isEqualTo(ProviderState.EMPTY);
      assertThat(second.persistenceFailures()).isEqualTo(1);
    }
  }

  @Test
  void aFailingStoreNeverFailsAResolve() throws Exception {
    upstream.serve(SET1, 600);
    Path storeDir = dir.resolve("snapshots");
    java.util.concurrent.CountDownLatch storeFailed = new java.util.concurrent.CountDownLatch(1);
    dev.jwkscache.metrics.CacheEventListener listener =
        new dev.jwkscache.metrics.CacheEventListener() {
          @Override
          public void onPersistenceFailure(String tenantId, String providerId, String reason) {
            storeFailed.countDown();
          }
        };
    try (Registry registry = registry(new FileSnapshotStore(storeDir)).listener(listener)
        .build()) {
      registry.register(registration("t1"));
      // Make the store unusable after start: its directory becomes a plain file.
      try (var files = Files.list(storeDir)) {
        for (Path p : files.toList()) {
          Files.delete(p);
        }
      }
      Files.delete(storeDir);
      Files.writeString(storeDir, "not a directory");

      assertThat(registry.resolveKey("t1", "idp", "k1").getKeyID()).isEqualTo("k1");
      assertThat(storeFailed.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
      assertThat(registry.persistenceFailures()).isEqualTo(1);
      assertThatThrownBy(registry::persistAll).isInstanceOf(PersistenceException.class);
    }
  }

  @Test
  void aRestoredExpiryIsCappedAtMaxTtlFromTheWrite() {
    Instant now = time.instant();
    FileSnapshotStore store = new FileSnapshotStore(dir);
    store.persist(List.of(Snapshot.of("t1", "idp", SET1, null, null,
        Instant.parse("9999-01-01T00:00:00Z"), now.plusSeconds(3600))));
    try (Registry registry = registry(new FileSnapshotStore(dir)).build()) {
      registry.register(registration("t1"));
      ProviderStatus status = registry.providerStatus("t1", "idp");
      assertThat(status.state()).isEqualTo(ProviderState.READY);
      assertThat(status.lastRefresh()).isEqualTo(now); // a write "in the future" counts as now
      assertThat(status.expiresAt()).isEqualTo(now.plus(Duration.ofHours(24)));
    }
  }

  @Test
  void persistAllWithoutAStoreIsAClearError() {
    try (Registry registry = Registry.builder().build()) {
      assertThatThrownBy(registry::persistAll).isInstanceOf(PersistenceException.class)
          .hasMessageContaining("snapshotStore");
    }
  }
}
