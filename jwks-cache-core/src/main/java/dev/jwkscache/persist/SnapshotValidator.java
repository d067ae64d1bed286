package dev.jwkscache.persist;

import dev.jwkscache.PersistenceException;
import dev.jwkscache.ProviderRegistration;

/**
 * Decides whether a stored snapshot may be restored into a registration (the seed's {@code
 * PersistentSnapshot::validate}, plus null checks and a stricter ETag rule). The rules, checked in
 * this order:
 *
 * <ol>
 *   <li>{@code jwks_json} is present and its UTF-8 length is at most {@code max_response_bytes};
 *   <li>{@code tenant_id} equals the registration's tenant;
 *   <li>{@code provider_id} equals the registration's provider;
 *   <li>{@code etag}, when present, is printable ASCII (0x20 to 0x7E, or tab). The seed only asks
 *       for ASCII; control characters are refused too because the value is sent back in {@code
 *       If-None-Match}, where CR or LF would split the header;
 *   <li>{@code expires_at} and {@code persisted_at} are present and {@code expires_at} is not
 *       before {@code persisted_at}.
 * </ol>
 *
 * <p>A broken rule is a {@link PersistenceException} whose message names the pair, the member and
 * the rule. The seal is not checked here: see {@link SnapshotSealer}.
 */
public final class SnapshotValidator {
  private SnapshotValidator() {
  }

  /** {@link #validate(Snapshot, String, String, long)} with the registration's values. */
  public static void validate(Snapshot snapshot, ProviderRegistration registration) {
    if (registration == null) {
      throw new PersistenceException("Cannot validate a snapshot without a registration.");
    }
    validate(snapshot, registration.tenantId(), registration.providerId(),
        registration.maxResponseBytes());
  }

  /**
   * Checks a snapshot against the pair it is about to be restored into.
   *
   * @param snapshot the snapshot read from a store
   * @param expectedTenant the registration's tenant_id
   * @param expectedProvider the registration's provider_id
   * @param maxResponseBytes the registration's max_response_bytes
   * @throws PersistenceException naming the pair and the broken rule
   */
  public static void validate(Snapshot snapshot, String expectedTenant, String expectedProvider,
      long maxResponseBytes) {
    String key = PersistText.pair(expectedTenant, expectedProvider);
    if (snapshot == null) {
      throw refused(key, "snapshot", "it is missing (null)");
    }
    String jwks = snapshot.jwksJson();
    if (jwks == null) {
      throw refused(key, SnapshotCodec.JWKS_JSON, "it is missing");
    }
    long size = utf8Length(jwks);
    if (size > maxResponseBytes) {
      throw refused(key, SnapshotCodec.JWKS_JSON, "it is " + size
          + " bytes, over max_response_bytes (" + maxResponseBytes + " bytes)");
    }
    if (snapshot.tenantId() == null || !snapshot.tenantId().equals(expectedTenant)) {
      throw refused(key, SnapshotCodec.TENANT_ID, "the snapshot belongs to tenant "
          + PersistText.quote(snapshot.tenantId()) + ", not to the registration's tenant");
    }
    if (snapshot.providerId() == null || !snapshot.providerId().equals(expectedProvider)) {
      throw refused(key, SnapshotCodec.PROVIDER_ID, "the snapshot belongs to provider "
          + PersistText.quote(snapshot.providerId()) + ", not to the registration's provider");
    }
    String etag = snapshot.etag();
    if (etag != null) {
      for (int i = 0; i < etag.length(); i++) {
        char c = etag.charAt(i);
        if (c > 0x7e || (c < 0x20 && c != '\t')) {
          throw refused(key, SnapshotCodec.ETAG, "an ETag must be printable ASCII; character "
              + i + " is U+" + String.format("%04X", (int) c));
        }
      }
    }
    if (snapshot.expiresAt() == null) {
      throw refused(key, SnapshotCodec.EXPIRES_AT, "it is missing");
    }
    if (snapshot.persistedAt() == null) {
      throw refused(key, SnapshotCodec.PERSISTED_AT, "it is missing");
    }
    if (snapshot.expiresAt().isBefore(snapshot.persistedAt())) {
      throw refused(key, SnapshotCodec.EXPIRES_AT, "it (" + snapshot.expiresAt()
          + ") is earlier than persisted_at (" + snapshot.persistedAt() + ")");
    }
  }

  private static PersistenceException refused(String key, String member, String rule) {
    return new PersistenceException("Snapshot of " + key + " refused: " + member + ": " + rule
        + ".");
  }

  /** UTF-8 length without encoding; an unpaired surrogate counts as the 3 bytes of U+FFFD. */
  static long utf8Length(String s) {
    long n = 0;
    int len = s.length();
    for (int i = 0; i < len; i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        n += 1;
      } else if (c < 0x800) {
        n += 2;
      } else if (Character.isHighSurrogate(c) && i + 1 < len
          && Character.isLowSurrogate(s.charAt(i + 1))) {
        n += 4;
        i++;
      } else {
        n += 3;
      }
    }
    return n;
  }
}
