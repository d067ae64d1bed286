package dev.jwkscache.persist;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jwkscache.PersistenceException;
import dev.jwkscache.ProviderRegistration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class SnapshotValidatorTest {
  private static final long MAX = 1_048_576;

  private static Snapshot ok() {
    return Snapshots.google("acme", "google");
  }

  @Test
  void aMatchingSnapshotPasses() {
    assertThatCode(() -> SnapshotValidator.validate(ok(), "acme", "google", MAX))
        .doesNotThrowAnyException();
    ProviderRegistration reg = ProviderRegistration
        .builder("acme", "google", "https://www.googleapis.com/oauth2/v3/certs").build();
    assertThatCode(() -> SnapshotValidator.validate(ok(), reg)).doesNotThrowAnyException();
  }

  @Test
  void expiresEqualToPersistedPasses() {
    Instant t = Instant.parse("2024-10-01T12:00:00Z");
    Snapshot s = Snapshot.of("acme", "google", "{\"keys\":[]}", null, null, t, t);
    assertThatCode(() -> SnapshotValidator.validate(s, "acme", "google", MAX))
        .doesNotThrowAnyException();
  }

  @Test
  void jwksOverMaxResponseBytesIsRefused() {
    Snapshot s = ok();
    long size = s.jwksJson().getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
    assertThatCode(() -> SnapshotValidator.validate(s, "acme", "google", size))
        .doesNotThrowAnyException();
    assertThatThrownBy(() -> SnapshotValidator.validate(s, "acme", "google", size - 1))
        .isInstanceOf(PersistenceException.class)
        .hasMessageContaining("tenant 'acme', provider 'google'")
        .hasMessageContaining("jwks_json")
        .hasMessageContaining("max_response_bytes");
  }

  @Test
  void sizeCountsUtf8BytesNotChars() {
    Snapshot s = Snapshot.of("acme", "google", "\u00e9\u00e9\u00e9\ud83d\ude00", null, null,
        Snapshots.EXPIRES, Snapshots.PERSISTED); // 3 x 2 bytes + 4 bytes = 10 bytes, 5 chars
    assertThatCode(() -> SnapshotValidator.validate(s, "acme", "google", 10))
        .doesNotThrowAnyException();
    assertThatThrownBy(() -> SnapshotValidator.validate(s, "acme", "google", 9))
        .isInstanceOf(PersistenceException.class).hasMessageContaining("10 bytes");
  }

  @Test
  void tenantMismatchIsRefused() {
    assertThatThrownBy(() -> SnapshotValidator.validate(Snapshots.google("other", "google"),
        "acme", "google", MAX))
        .isInstanceOf(PersistenceException.class)
        .hasMessageContaining("tenant 'acme', provider 'google'")
        .hasMessageContaining("tenant_id")
        .hasMessageContaining("'other'");
  }

  @Test
  void providerMismatchIsRefused() {
    assertThatThrownBy(() -> SnapshotValidator.validate(Snapshots.google("acme", "okta"),
        "acme", "google", MAX))
        .isInstanceOf(PersistenceException.class)
        .hasMessageContaining("provider_id")
        .hasMessageContaining("'okta'");
  }

  @Test
  void nonAsciiEtagIsRefused() {
    Snapshot s = new Snapshot("acme", "google", "{}", "\"caf\u00e9\"", null, Snapshots.EXPIRES,
        Snapshots.PERSISTED, null);
    assertThatThrownBy(() -> SnapshotValidator.validate(s, "acme", "google", MAX))
        .isInstanceOf(PersistenceException.class)
        .hasMessageContaining("etag")
        .hasMessageContaining("ASCII")
        .hasMessageContaining("U+00E9");
  }

  @Test
  void etagWithLineBreakIsRefused() {
    Snapshot s = new Snapshot("acme", "google", "{}", "\"a\"\r\nX-Injected: 1", null,
        Snapshots.EXPIRES, Snapshots.PERSISTED, null);
    assertThatThrownBy(() -> SnapshotValidator.validate(s, "acme", "google", MAX))
        .isInstanceOf(PersistenceException.class).hasMessageContaining("etag");
    Snapshot weak = new Snapshot("acme", "google", "{}", "W/\"x y\"", null, Snapshots.EXPIRES,
        Snapshots.PERSISTED, null);
    assertThatCode(() -> SnapshotValidator.validate(weak, "acme", "google", MAX))
        .doesNotThrowAnyException();
  }

  @Test
  void expiresBeforePersistedIsRefused() {
    Snapshot s = Snapshot.of("acme", "google", "{}", null, null,
        Snapshots.PERSISTED.minusMillis(1), Snapshots.PERSISTED);
    assertThatThrownBy(() -> SnapshotValidator.validate(s, "acme", "google", MAX))
        .isInstanceOf(PersistenceException.class)
        .hasMessageContaining("expires_at")
        .hasMessageContaining("persisted_at");
  }

  @Test
  void missingMembersAreRefusedNotNpe() {
    assertThatThrownBy(() -> SnapshotValidator.validate(null, "acme", "google", MAX))
        .isInstanceOf(PersistenceException.class);
    assertThatThrownBy(() -> SnapshotValidator.validate(
        new Snapshot("acme", "google", null, null, null, Snapshots.EXPIRES, Snapshots.PERSISTED,
            null), "acme", "google", MAX))
        .isInstanceOf(PersistenceException.class).hasMessageContaining("jwks_json");
    assertThatThrownBy(() -> SnapshotValidator.validate(
        new Snapshot(null, "google", "{}", null, null, Snapshots.EXPIRES, Snapshots.PERSISTED,
            null), "acme", "google", MAX))
        .isInstanceOf(PersistenceException.class).hasMessageContaining("tenant_id");
    assertThatThrownBy(() -> SnapshotValidator.validate(
        new Snapshot("acme", "google", "{}", null, null, null, Snapshots.PERSISTED, null),
        "acme", "google", MAX))
        .isInstanceOf(PersistenceException.class).hasMessageContaining("expires_at");
    assertThatThrownBy(() -> SnapshotValidator.validate(
        new Snapshot("acme", "google", "{}", null, null, Snapshots.EXPIRES, null, null),
        "acme", "google", MAX))
        .isInstanceOf(PersistenceException.class).hasMessageContaining("persisted_at");
  }

  @Test
  void untrustedIdsAreEscapedInMessages() {
    assertThatThrownBy(() -> SnapshotValidator.validate(
        Snapshots.simple("evil\nINFO fake log line", "google"), "acme", "google", MAX))
        .isInstanceOf(PersistenceException.class)
        .satisfies(e -> org.assertj.core.api.Assertions.assertThat(e.getMessage())
            .doesNotContain("\n").contains("\\u000a"));
  }
}
