package dev.jwkscache.persist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import dev.jwkscache.PersistenceException;
import dev.jwkscache.ProviderRegistration;
import dev.jwkscache.ProviderState;
import dev.jwkscache.ProviderStatus;
import dev.jwkscache.Registry;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Jazzer target for snapshot decoding: {@link SnapshotCodec#decode(byte[])}, {@link
 * SnapshotValidator}, {@link SnapshotSealer#verify}, and the whole restore path of a registry
 * whose store hands out the fuzzed bytes (restore on register and bulk restore).
 *
 * <p>Rules: decoding gives a snapshot or a {@link PersistenceException}; a decoded snapshot
 * encodes and decodes back to itself, and a seal made for it verifies; the validator and the
 * sealer refuse only with {@link PersistenceException}; a registry never throws because of a
 * snapshot, and whatever it restores is public keys only. Seeds: {@code
 * SnapshotDecodeJazzerTestInputs/decode/} (snapshots of the real fixtures, sealed and unsealed,
 * fresh and expired, and broken ones).
 */
class SnapshotDecodeJazzerTest {
  static final String TENANT = "fuzz-tenant";
  static final String PROVIDER = "fuzz_idp";
  /** The key the sealed seeds were made with: 32 bytes 0x01..0x20, id "fuzz". */
  static final SnapshotSealer SEALER = new SnapshotSealer(SealKey.of("fuzz", secret()));

  private static final BytesStore STORE = new BytesStore();
  private static Registry onRegister;
  private static Registry bulk;

  private static byte[] secret() {
    byte[] s = new byte[32];
    for (int i = 0; i < s.length; i++) {
      s[i] = (byte) (i + 1);
    }
    return s;
  }

  private static synchronized void init() {
    if (onRegister == null) {
      onRegister = Registry.builder().requireHttps(false).snapshotStore(STORE).build();
      bulk = Registry.builder().requireHttps(false).snapshotStore(STORE)
          .restoreOnRegister(false).build();
    }
  }

  @AfterAll
  static void closeRegistries() {
    if (onRegister != null) {
      onRegister.close();
      bulk.close();
      onRegister = null;
      bulk = null;
    }
  }

  @FuzzTest
  void decode(byte[] data) throws Exception {
    Snapshot snapshot = null;
    try {
      snapshot = SnapshotCodec.decode(data);
    } catch (PersistenceException expected) {
      assertThat(expected.getMessage()).isNotBlank();
    }
    if (snapshot != null) {
      assertThat(SnapshotCodec.decode(SnapshotCodec.encode(snapshot))).isEqualTo(snapshot);
      assertThat(SnapshotCodec.decode(SnapshotCodec.encodeToBytes(snapshot))).isEqualTo(snapshot);
      try {
        SnapshotValidator.validate(snapshot, TENANT, PROVIDER, 1 << 20);
      } catch (PersistenceException refused) {
        assertThat(refused.getMessage()).contains("refused");
      }
      try {
        SEALER.verify(snapshot);
      } catch (PersistenceException refused) {
        assertThat(refused.getMessage()).isNotBlank();
      }
      Snapshot sealed = SEALER.seal(snapshot);
      assertThat(SEALER.verify(sealed)).isNotNull();
    }

    init();
    STORE.data = data;
    ProviderRegistration reg = ProviderRegistration.builder(TENANT, PROVIDER,
        "http://127.0.0.1:9/jwks").build();
    onRegister.register(reg);
    try {
      checkRestored(onRegister);
    } finally {
      onRegister.unregister(TENANT, PROVIDER);
    }
    bulk.register(reg);
    try {
      int restored = bulk.restoreFromPersistence();
      assertThat(restored).isBetween(0, 1);
      checkRestored(bulk);
    } finally {
      bulk.unregister(TENANT, PROVIDER);
    }
  }

  /** The corpus holds a correctly sealed seed, so the fuzzer starts past the seal check. */
  @Test
  void theSealedSeedVerifiesAndItsTamperedTwinDoesNot() throws Exception {
    String dir = "SnapshotDecodeJazzerTestInputs/decode/";
    Snapshot sealed = SnapshotCodec.decode(seed(dir + "sealed"));
    assertThat(SEALER.verify(sealed)).isEqualTo(sealed);
    Snapshot tampered = SnapshotCodec.decode(seed(dir + "sealed-tampered"));
    assertThatThrownBy(() -> SEALER.verify(tampered)).isInstanceOf(PersistenceException.class);
  }

  private static byte[] seed(String path) throws Exception {
    try (var in = SnapshotDecodeJazzerTest.class.getResourceAsStream(path)) {
      return in.readAllBytes();
    }
  }

  private static void checkRestored(Registry registry) {
    ProviderStatus status = registry.providerStatus(TENANT, PROVIDER);
    if (status.state() == ProviderState.EMPTY) {
      return;
    }
    assertThat(status.state()).isEqualTo(ProviderState.READY);
    if (status.expiresAt() != null && status.expiresAt().isAfter(Instant.now().plusSeconds(5))) {
      // Fresh: a hit, no I/O. Whatever was restored must be public keys only.
      JWKSet set = registry.resolve(TENANT, PROVIDER);
      for (JWK k : set.getKeys()) {
        assertThat(k.isPrivate()).isFalse();
        assertThat(k.getKeyType().getValue()).isNotEqualTo("oct");
      }
    }
  }

  /** A store whose only content is the current fuzz input, decoded on every read. */
  static final class BytesStore implements SnapshotStore {
    volatile byte[] data;

    @Override
    public Optional<Snapshot> load(String tenantId, String providerId) {
      return Optional.of(SnapshotCodec.decode(data));
    }

    @Override
    public List<Snapshot> loadAll(Collection<PairId> pairs) {
      List<Snapshot> out = new ArrayList<>();
      try {
        out.add(SnapshotCodec.decode(data));
      } catch (PersistenceException corrupt) {
        // skipped, as a real store does
      }
      return out;
    }

    @Override
    public void persist(Collection<Snapshot> snapshots) {
    }

    @Override
    public void delete(String tenantId, String providerId) {
    }

    @Override
    public String toString() {
      return "fuzz store (" + (data == null ? 0 : new String(data, StandardCharsets.UTF_8)
          .length()) + " chars)";
    }
  }
}
