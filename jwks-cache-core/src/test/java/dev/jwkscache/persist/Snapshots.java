package dev.jwkscache.persist;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/** Test snapshots built from the real JWKS fixtures. */
final class Snapshots {
  static final Instant PERSISTED = Instant.parse("2024-10-01T12:00:00Z");
  static final Instant EXPIRES = Instant.parse("2024-10-01T13:00:00.250Z");
  static final Instant LAST_MODIFIED = Instant.parse("2024-09-30T08:49:37Z");

  private Snapshots() {
  }

  static String fixture(String name) {
    try (InputStream in = Snapshots.class.getResourceAsStream("/fixtures/real-jwks/" + name)) {
      if (in == null) {
        throw new IllegalStateException("missing fixture " + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Snapshot google(String tenant, String provider) {
    return Snapshot.of(tenant, provider, fixture("google-2024-10.json"), "\"abc123\"",
        LAST_MODIFIED, EXPIRES, PERSISTED);
  }

  static Snapshot simple(String tenant, String provider) {
    return Snapshot.of(tenant, provider, "{\"keys\":[]}", null, null, EXPIRES, PERSISTED);
  }
}
