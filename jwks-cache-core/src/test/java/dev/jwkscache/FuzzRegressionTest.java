package dev.jwkscache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import dev.jwkscache.internal.cache.DefaultScheduler;
import dev.jwkscache.persist.Snapshot;
import dev.jwkscache.persist.SnapshotStore;
import dev.jwkscache.testing.TestKeys;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Crashes the Jazzer targets found, kept as plain tests (the crashing inputs also stay in the
 * targets' seed corpora, where regression mode replays them).
 */
class FuzzRegressionTest {
  private static final String JWKS = TestKeys.publicJwks(TestKeys.ec("e1"));

  /** A store holding one snapshot for every pair asked for. */
  private static SnapshotStore storeOf(Instant expiresAt) {
    return new SnapshotStore() {
      Snapshot snapshot(String t, String p) {
        return Snapshot.of(t, p, JWKS, null, null, expiresAt,
            Instant.now().minusSeconds(60).truncatedTo(ChronoUnit.SECONDS));
      }

      @Override
      public Optional<Snapshot> load(String t, String p) {
        return Optional.of(snapshot(t, p));
      }

      @Override
      public List<Snapshot> loadAll(Collection<PairId> pairs) {
        return pairs.stream().map(p -> snapshot(p.tenantId(), p.providerId())).toList();
      }

      @Override
      public void persist(Collection<Snapshot> snapshots) {
      }

      @Override
      public void delete(String t, String p) {
      }
    };
  }

  /**
   * SnapshotDecodeJazzerTest crash-expires-year-3099: a snapshot whose expires_at lies centuries
   * ahead made the timer delay overflow Duration.toNanos(); restoreFromPersistence threw an
   * ArithmeticException (not a documented type) and left the pair without a timer. A restored
   * expiry is now cut to now + max_ttl, and the scheduler saturates huge delays.
   */
  @Test
  void aSnapshotExpiringCenturiesAheadIsCutToMaxTtlAndNeverThrows() {
    Instant year3099 = Instant.parse("3099-01-01T00:00:00Z");
    ProviderRegistration reg = ProviderRegistration.builder("t", "p", "http://127.0.0.1:9/jwks")
        .maxTtl(Duration.ofHours(2)).build();
    try (Registry bulk = Registry.builder().requireHttps(false).restoreOnRegister(false)
        .snapshotStore(storeOf(year3099)).build();
        Registry onRegister = Registry.builder().requireHttps(false)
            .snapshotStore(storeOf(year3099)).build()) {
      bulk.register(reg);
      assertThat(bulk.restoreFromPersistence()).isEqualTo(1);
      onRegister.register(reg);
      for (Registry r : List.of(bulk, onRegister)) {
        ProviderStatus status = r.providerStatus("t", "p");
        assertThat(status.state()).isEqualTo(ProviderState.READY);
        assertThat(status.expiresAt()).isBefore(Instant.now().plus(Duration.ofHours(2))
            .plusSeconds(5));
        assertThat(status.nextRefresh()).isNotNull().isBefore(status.expiresAt());
        assertThat(r.resolveKey("t", "p", "e1").getKeyID()).isEqualTo("e1");
        assertThat(r.persistenceFailures()).isZero();
      }
    }
  }

  @Test
  void theDefaultSchedulerAcceptsDelaysBeyondTheNanosecondRange() {
    DefaultScheduler scheduler = new DefaultScheduler();
    try {
      assertThatCode(() -> scheduler.schedule(() -> { }, Duration.ofDays(365L * 1_000))
          .cancel()).doesNotThrowAnyException();
      assertThatCode(() -> scheduler.schedule(() -> { }, Duration.ofSeconds(Long.MAX_VALUE))
          .cancel()).doesNotThrowAnyException();
    } finally {
      scheduler.shutdown();
    }
  }
}
