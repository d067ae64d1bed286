package dev.jwkscache.persist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jwkscache.PersistenceException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SnapshotCodecTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void roundTripKeepsEveryField() {
    Snapshot s = Snapshots.google("acme", "google").withSeal("k1:abc");
    Snapshot back = SnapshotCodec.decode(SnapshotCodec.encode(s));
    assertThat(back).isEqualTo(s);
    assertThat(SnapshotCodec.decode(SnapshotCodec.encodeToBytes(s))).isEqualTo(s);
  }

  @Test
  void roundTripWithNullOptionalsAndAwkwardStrings() {
    Snapshot s = new Snapshot("t", "p", "{\"keys\":[],\"x\":\"\\u2028 \\\" </script> \\ud83d\\ude00\"}",
        null, null, Instant.ofEpochSecond(1, 123_456_789), Instant.ofEpochSecond(0), null);
    assertThat(SnapshotCodec.decode(SnapshotCodec.encode(s))).isEqualTo(s);
    Snapshot empty = new Snapshot("t", "p", "", "", null, Snapshots.EXPIRES, Snapshots.PERSISTED,
        null);
    assertThat(SnapshotCodec.decode(SnapshotCodec.encode(empty))).isEqualTo(empty);
  }

  @Test
  void writesSnakeCaseMembersAndRfc3339UtcTimes() throws Exception {
    JsonNode n = JSON.readTree(SnapshotCodec.encode(Snapshots.google("acme", "google")));
    assertThat(n.get("tenant_id").asText()).isEqualTo("acme");
    assertThat(n.get("provider_id").asText()).isEqualTo("google");
    assertThat(n.get("etag").asText()).isEqualTo("\"abc123\"");
    assertThat(n.get("last_modified").asText()).isEqualTo("2024-09-30T08:49:37Z");
    assertThat(n.get("expires_at").asText()).isEqualTo("2024-10-01T13:00:00.250Z");
    assertThat(n.get("persisted_at").asText()).isEqualTo("2024-10-01T12:00:00Z");
    assertThat(n.get("seal").isNull()).isTrue();
    assertThat(n.get("jwks_json").isTextual()).isTrue();
    assertThat(JSON.readTree(n.get("jwks_json").asText()).get("keys").isArray()).isTrue();
  }

  @Test
  void readsOffsetsAndIgnoresUnknownMembers() {
    String json = "{\"tenant_id\":\"t\",\"provider_id\":\"p\",\"jwks_json\":\"{}\","
        + "\"expires_at\":\"2024-10-01T15:00:00+02:00\",\"persisted_at\":\"2024-10-01t12:00:00z\","
        + "\"future_member\":{\"x\":[1,2]}}";
    Snapshot s = SnapshotCodec.decode(json);
    assertThat(s.expiresAt()).isEqualTo(Instant.parse("2024-10-01T13:00:00Z"));
    assertThat(s.persistedAt()).isEqualTo(Instant.parse("2024-10-01T12:00:00Z"));
    assertThat(s.etag()).isNull();
    assertThat(s.lastModified()).isNull();
    assertThat(s.seal()).isNull();
  }

  @Test
  void unpairedSurrogatesSurviveTheUtf8RoundTrip() {
    Snapshot s = new Snapshot("\ud800t", "p\udc00", "{\"kid\":\"\udbff\"}", "\"\ud83d\ude00\"",
        null, Snapshots.EXPIRES, Snapshots.PERSISTED, "k:\ud800");
    assertThat(SnapshotCodec.decode(SnapshotCodec.encodeToBytes(s))).isEqualTo(s);
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "", " ", "null", "[]", "42", "\"text\"", "{", "{}", "not json", "{\"tenant_id\":\"t\"}",
      // wrong types
      "{\"tenant_id\":1,\"provider_id\":\"p\",\"jwks_json\":\"{}\",\"expires_at\":\"2024-10-01T12:00:00Z\",\"persisted_at\":\"2024-10-01T12:00:00Z\"}",
      "{\"tenant_id\":\"t\",\"provider_id\":\"p\",\"jwks_json\":{\"keys\":[]},\"expires_at\":\"2024-10-01T12:00:00Z\",\"persisted_at\":\"2024-10-01T12:00:00Z\"}",
      "{\"tenant_id\":\"t\",\"provider_id\":\"p\",\"jwks_json\":\"{}\",\"etag\":5,\"expires_at\":\"2024-10-01T12:00:00Z\",\"persisted_at\":\"2024-10-01T12:00:00Z\"}",
      "{\"tenant_id\":\"t\",\"provider_id\":\"p\",\"jwks_json\":\"{}\",\"expires_at\":1727784000,\"persisted_at\":\"2024-10-01T12:00:00Z\"}",
      // bad times
      "{\"tenant_id\":\"t\",\"provider_id\":\"p\",\"jwks_json\":\"{}\",\"expires_at\":\"2024-10-01 12:00:00\",\"persisted_at\":\"2024-10-01T12:00:00Z\"}",
      "{\"tenant_id\":\"t\",\"provider_id\":\"p\",\"jwks_json\":\"{}\",\"expires_at\":\"2024-13-45T12:00:00Z\",\"persisted_at\":\"2024-10-01T12:00:00Z\"}",
      "{\"tenant_id\":\"t\",\"provider_id\":\"p\",\"jwks_json\":\"{}\",\"expires_at\":\"2024-10-01T12:00:00Z\",\"persisted_at\":\"2024-10-01T12:00:00Z\",\"last_modified\":\"Mon, 30 Sep 2024 08:49:37 GMT\"}",
      // missing required members
      "{\"tenant_id\":\"t\",\"provider_id\":\"p\",\"expires_at\":\"2024-10-01T12:00:00Z\",\"persisted_at\":\"2024-10-01T12:00:00Z\"}",
      "{\"tenant_id\":\"t\",\"provider_id\":\"p\",\"jwks_json\":\"{}\",\"persisted_at\":\"2024-10-01T12:00:00Z\"}",
      "{\"tenant_id\":\"t\",\"provider_id\":null,\"jwks_json\":\"{}\",\"expires_at\":\"2024-10-01T12:00:00Z\",\"persisted_at\":\"2024-10-01T12:00:00Z\"}",
      // duplicate member, trailing garbage
      "{\"tenant_id\":\"t\",\"tenant_id\":\"u\",\"provider_id\":\"p\",\"jwks_json\":\"{}\",\"expires_at\":\"2024-10-01T12:00:00Z\",\"persisted_at\":\"2024-10-01T12:00:00Z\"}",
      "{\"tenant_id\":\"t\",\"provider_id\":\"p\",\"jwks_json\":\"{}\",\"expires_at\":\"2024-10-01T12:00:00Z\",\"persisted_at\":\"2024-10-01T12:00:00Z\"} trailing",
  })
  void garbageIsAPersistenceException(String text) {
    assertThatThrownBy(() -> SnapshotCodec.decode(text)).isInstanceOf(PersistenceException.class);
  }

  @Test
  void nullsAreAPersistenceException() {
    assertThatThrownBy(() -> SnapshotCodec.decode((String) null))
        .isInstanceOf(PersistenceException.class);
    assertThatThrownBy(() -> SnapshotCodec.decode((byte[]) null))
        .isInstanceOf(PersistenceException.class);
    assertThatThrownBy(() -> SnapshotCodec.encode(null)).isInstanceOf(PersistenceException.class);
    assertThatThrownBy(() -> SnapshotCodec.encode(Snapshot.of("t", "p", "{}", null, null, null,
        Instant.now()))).isInstanceOf(PersistenceException.class).hasMessageContaining("expires_at");
  }

  @Test
  void deepNestingAndInvalidUtf8AreAPersistenceException() {
    String deep = "{\"tenant_id\":" + "[".repeat(200_000);
    assertThatThrownBy(() -> SnapshotCodec.decode(deep)).isInstanceOf(PersistenceException.class);
    byte[] bad = SnapshotCodec.encodeToBytes(Snapshots.simple("t", "p"));
    bad[5] = (byte) 0xC3; // starts a 2-byte sequence that the next byte does not continue
    bad[6] = (byte) 0x28;
    assertThatThrownBy(() -> SnapshotCodec.decode(bad)).isInstanceOf(PersistenceException.class)
        .hasMessageContaining("UTF-8");
  }

  @Test
  void randomBytesNeverThrowAnythingElse() {
    Random r = new Random(42);
    byte[] valid = SnapshotCodec.encodeToBytes(Snapshots.google("acme", "google"));
    for (int i = 0; i < 2_000; i++) {
      byte[] b;
      if (i % 2 == 0) {
        b = new byte[r.nextInt(200)];
        r.nextBytes(b);
      } else { // a valid snapshot with a few bytes flipped or cut short
        b = java.util.Arrays.copyOf(valid, 1 + r.nextInt(valid.length));
        for (int k = 0; k < 3; k++) {
          b[r.nextInt(b.length)] = (byte) r.nextInt(256);
        }
      }
      byte[] input = b;
      try {
        SnapshotCodec.decode(input);
      } catch (PersistenceException expected) {
        // fine
      } catch (Throwable t) {
        throw new AssertionError("decode threw " + t + " for "
            + new String(input, StandardCharsets.ISO_8859_1), t);
      }
    }
  }

  @Test
  void httpDatesConvertInAllThreeForms() {
    Instant t = Instant.parse("1994-11-06T08:49:37Z");
    assertThat(SnapshotCodec.parseHttpDate("Sun, 06 Nov 1994 08:49:37 GMT")).isEqualTo(t);
    assertThat(SnapshotCodec.parseHttpDate("Sunday, 06-Nov-94 08:49:37 GMT")).isEqualTo(t);
    assertThat(SnapshotCodec.parseHttpDate("Sun Nov  6 08:49:37 1994")).isEqualTo(t);
    assertThat(SnapshotCodec.parseHttpDate("yesterday")).isNull();
    assertThat(SnapshotCodec.parseHttpDate(null)).isNull();
    assertThat(SnapshotCodec.formatHttpDate(t)).isEqualTo("Sun, 06 Nov 1994 08:49:37 GMT");
    assertThat(SnapshotCodec.formatHttpDate(Instant.parse("2024-09-03T01:02:03.999Z")))
        .isEqualTo("Tue, 03 Sep 2024 01:02:03 GMT");
  }
}
