package dev.jwkscache.persist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jwkscache.PersistenceException;
import dev.jwkscache.ValidationException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

class SnapshotSealerTest {
  private static final SealKey K1 = SealKey.of("k1", bytes(1));
  private static final SealKey K2 = SealKey.of("k2", bytes(2));
  private static final SealKey OTHER = SealKey.of("zz", bytes(9));

  private static byte[] bytes(int fill) {
    byte[] b = new byte[32];
    Arrays.fill(b, (byte) fill);
    return b;
  }

  private final SnapshotSealer sealer = new SnapshotSealer(K1);

  @Test
  void sealAndVerifyRoundTripThroughJson() {
    Snapshot sealed = sealer.seal(Snapshots.google("acme", "google"));
    assertThat(sealed.seal()).matches("k1:[A-Za-z0-9_-]{43}");
    Snapshot back = SnapshotCodec.decode(SnapshotCodec.encode(sealed));
    assertThat(sealer.verify(back)).isSameAs(back);
  }

  @Test
  void sealIsDeterministicAndReplacesAnOldSeal() {
    Snapshot s = Snapshots.google("acme", "google");
    assertThat(sealer.seal(s).seal()).isEqualTo(sealer.seal(s.withSeal("junk:abc")).seal());
  }

  @Test
  void tamperedJwksJsonIsRefused() {
    Snapshot sealed = sealer.seal(Snapshots.google("acme", "google"));
    Snapshot tampered = new Snapshot(sealed.tenantId(), sealed.providerId(),
        sealed.jwksJson().replaceFirst("\"kid\"", "\"kid\" "), sealed.etag(),
        sealed.lastModified(), sealed.expiresAt(), sealed.persistedAt(), sealed.seal());
    assertThatThrownBy(() -> sealer.verify(tampered)).isInstanceOf(PersistenceException.class)
        .hasMessageContaining("tenant 'acme', provider 'google'")
        .hasMessageContaining("does not match");
  }

  @Test
  void tamperedExpiresAtIsRefused() {
    Snapshot sealed = sealer.seal(Snapshots.google("acme", "google"));
    Snapshot tampered = new Snapshot(sealed.tenantId(), sealed.providerId(), sealed.jwksJson(),
        sealed.etag(), sealed.lastModified(), sealed.expiresAt().plusNanos(1),
        sealed.persistedAt(), sealed.seal());
    assertThatThrownBy(() -> sealer.verify(tampered)).isInstanceOf(PersistenceException.class);
  }

  @Test
  void tamperedTenantIsRefused() {
    Snapshot sealed = sealer.seal(Snapshots.google("acme", "google"));
    Snapshot tampered = new Snapshot("victim", sealed.providerId(), sealed.jwksJson(),
        sealed.etag(), sealed.lastModified(), sealed.expiresAt(), sealed.persistedAt(),
        sealed.seal());
    assertThatThrownBy(() -> sealer.verify(tampered)).isInstanceOf(PersistenceException.class);
  }

  @Test
  void everyOtherFieldIsCovered() {
    Snapshot sealed = sealer.seal(Snapshots.google("acme", "google"));
    List<Snapshot> tampered = List.of(
        new Snapshot("acme", "google2", sealed.jwksJson(), sealed.etag(), sealed.lastModified(),
            sealed.expiresAt(), sealed.persistedAt(), sealed.seal()),
        new Snapshot("acme", "google", sealed.jwksJson(), "\"other\"", sealed.lastModified(),
            sealed.expiresAt(), sealed.persistedAt(), sealed.seal()),
        new Snapshot("acme", "google", sealed.jwksJson(), sealed.etag(), null,
            sealed.expiresAt(), sealed.persistedAt(), sealed.seal()),
        new Snapshot("acme", "google", sealed.jwksJson(), sealed.etag(), sealed.lastModified(),
            sealed.expiresAt(), sealed.persistedAt().minusSeconds(1), sealed.seal()));
    for (Snapshot t : tampered) {
      assertThatThrownBy(() -> sealer.verify(t)).as(t.toString())
          .isInstanceOf(PersistenceException.class);
    }
  }

  @Test
  void fieldBoundariesAreUnambiguous() {
    Instant t = Snapshots.EXPIRES;
    // moving characters across a field boundary must change the MAC
    Snapshot a = sealer.seal(new Snapshot("ab", "c", "{}", null, null, t, t, null));
    Snapshot b = new Snapshot("a", "bc", "{}", null, null, t, t, a.seal());
    assertThatThrownBy(() -> sealer.verify(b)).isInstanceOf(PersistenceException.class);
    // null and empty differ
    Snapshot nullEtag = sealer.seal(new Snapshot("a", "b", "{}", null, null, t, t, null));
    Snapshot emptyEtag = new Snapshot("a", "b", "{}", "", null, t, t, nullEtag.seal());
    assertThatThrownBy(() -> sealer.verify(emptyEtag)).isInstanceOf(PersistenceException.class);
  }

  @Test
  void sealByUnknownKeyIsRefused() {
    Snapshot byOther = new SnapshotSealer(OTHER).seal(Snapshots.google("acme", "google"));
    assertThatThrownBy(() -> sealer.verify(byOther)).isInstanceOf(PersistenceException.class)
        .hasMessageContaining("'zz'")
        .hasMessageContaining("not accepted");
  }

  @Test
  void sameIdDifferentSecretIsRefused() {
    Snapshot forged = new SnapshotSealer(SealKey.of("k1", bytes(7)))
        .seal(Snapshots.google("acme", "google"));
    assertThatThrownBy(() -> sealer.verify(forged)).isInstanceOf(PersistenceException.class)
        .hasMessageContaining("does not match");
  }

  @Test
  void missingOrMalformedSealIsRefused() {
    Snapshot unsealed = Snapshots.google("acme", "google");
    assertThatThrownBy(() -> sealer.verify(unsealed)).isInstanceOf(PersistenceException.class)
        .hasMessageContaining("no seal");
    for (String bad : List.of("", "k1", "k1:", ":abc", "k1:***", "k1:AAAA",
        "k1:" + "A".repeat(43) + "==")) {
      assertThatThrownBy(() -> sealer.verify(unsealed.withSeal(bad))).as(bad)
          .isInstanceOf(PersistenceException.class);
    }
  }

  @Test
  void oldKeyAcceptedWhileListedAndRefusedAfterRemoval() {
    Snapshot byK1 = new SnapshotSealer(K1).seal(Snapshots.google("acme", "google"));
    SnapshotSealer rotating = new SnapshotSealer(K2, List.of(K1));
    assertThatCode(() -> rotating.verify(byK1)).doesNotThrowAnyException();
    // new seals use the current key and verify under it
    Snapshot byK2 = rotating.seal(byK1);
    assertThat(byK2.seal()).startsWith("k2:");
    assertThatCode(() -> rotating.verify(byK2)).doesNotThrowAnyException();

    SnapshotSealer rotated = new SnapshotSealer(K2);
    assertThatThrownBy(() -> rotated.verify(byK1)).isInstanceOf(PersistenceException.class)
        .hasMessageContaining("'k1'");
    assertThatCode(() -> rotated.verify(byK2)).doesNotThrowAnyException();
  }

  @Test
  void keysAreValidated() {
    assertThatThrownBy(() -> SealKey.of("k", new byte[31])).isInstanceOf(ValidationException.class)
        .hasMessageContaining("32");
    assertThatThrownBy(() -> SealKey.of("", bytes(1))).isInstanceOf(ValidationException.class);
    assertThatThrownBy(() -> SealKey.of("a:b", bytes(1))).isInstanceOf(ValidationException.class);
    assertThatThrownBy(() -> SealKey.of("x".repeat(65), bytes(1)))
        .isInstanceOf(ValidationException.class);
    assertThatThrownBy(() -> new SnapshotSealer(null)).isInstanceOf(ValidationException.class);
    assertThatThrownBy(() -> new SnapshotSealer(K1, List.of(SealKey.of("k1", bytes(3)))))
        .isInstanceOf(ValidationException.class).hasMessageContaining("twice");
    assertThat(K1.toString()).doesNotContain("1, 1").isEqualTo("SealKey[id=k1]");
  }

  @Test
  void base64KeysInBothAlphabets() {
    byte[] raw = new byte[48];
    for (int i = 0; i < raw.length; i++) {
      raw[i] = (byte) (i * 37 + 250);
    }
    SealKey std = SealKey.fromBase64("a", Base64.getEncoder().encodeToString(raw));
    SealKey url = SealKey.fromBase64("a",
        Base64.getUrlEncoder().withoutPadding().encodeToString(raw));
    Snapshot s = Snapshots.simple("t", "p");
    assertThat(new SnapshotSealer(std).seal(s)).isEqualTo(new SnapshotSealer(url).seal(s));
    assertThatThrownBy(() -> SealKey.fromBase64("a", "not base64!"))
        .isInstanceOf(ValidationException.class);
    assertThatThrownBy(() -> SealKey.fromBase64("a",
        Base64.getEncoder().encodeToString("short".getBytes(StandardCharsets.UTF_8))))
        .isInstanceOf(ValidationException.class);
  }

  @Test
  void secretIsCopied() {
    byte[] secret = bytes(5);
    SealKey k = SealKey.of("k", secret);
    Snapshot sealed = new SnapshotSealer(k).seal(Snapshots.simple("t", "p"));
    Arrays.fill(secret, (byte) 0);
    assertThatCode(() -> new SnapshotSealer(k).verify(sealed)).doesNotThrowAnyException();
  }
}
