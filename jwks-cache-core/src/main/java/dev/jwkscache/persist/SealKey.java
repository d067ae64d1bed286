package dev.jwkscache.persist;

import dev.jwkscache.ValidationException;
import java.util.Arrays;
import java.util.Base64;

/**
 * An HMAC-SHA256 key for sealing snapshots: an identifier, stored in every seal it makes so that
 * older keys can stay listed during a rotation, and at least 32 secret bytes. Immutable; the
 * secret never appears in {@link #toString()}.
 */
public final class SealKey {
  /** Shortest secret accepted: the HMAC-SHA256 output size. */
  public static final int MIN_SECRET_BYTES = 32;
  static final int MAX_ID_LENGTH = 64;

  private final String id;
  private final byte[] secret;

  private SealKey(String id, byte[] secret) {
    this.id = id;
    this.secret = secret;
  }

  /**
   * A key from raw bytes (copied).
   *
   * @param id 1 to 64 characters of ASCII letters, digits, {@code -}, {@code _} and {@code .}
   * @param secret at least 32 bytes, ideally random
   * @throws ValidationException naming {@code seal_key.id} or {@code seal_key.secret}
   */
  public static SealKey of(String id, byte[] secret) {
    validateId(id);
    if (secret == null || secret.length < MIN_SECRET_BYTES) {
      throw new ValidationException("seal_key.secret", "Key " + id + " must have at least "
          + MIN_SECRET_BYTES + " bytes; got " + (secret == null ? 0 : secret.length)
          + ". Generate one with: openssl rand -base64 32");
    }
    return new SealKey(id, secret.clone());
  }

  /**
   * A key from base64 text (standard or URL-safe alphabet, padding optional), as written in a
   * configuration file.
   *
   * @throws ValidationException when the text is not base64 or decodes to fewer than 32 bytes
   */
  public static SealKey fromBase64(String id, String base64) {
    validateId(id);
    if (base64 == null || base64.isBlank()) {
      throw new ValidationException("seal_key.secret", "Key " + id + " has no secret.");
    }
    String text = base64.strip();
    byte[] bytes;
    try {
      bytes = text.indexOf('-') >= 0 || text.indexOf('_') >= 0
          ? Base64.getUrlDecoder().decode(text)
          : Base64.getDecoder().decode(text);
    } catch (IllegalArgumentException e) {
      throw new ValidationException("seal_key.secret", "Key " + id
          + " is not valid base64 (standard or URL-safe).");
    }
    try {
      return of(id, bytes);
    } finally {
      Arrays.fill(bytes, (byte) 0);
    }
  }

  /** The key's identifier, as written in seals. */
  public String id() {
    return id;
  }

  /** A copy of the secret. */
  byte[] secret() {
    return secret.clone();
  }

  private static void validateId(String id) {
    if (id == null || id.isEmpty() || id.length() > MAX_ID_LENGTH) {
      throw new ValidationException("seal_key.id", "Must be 1 to " + MAX_ID_LENGTH
          + " characters; got " + (id == null ? "null" : id.length() + " characters") + ".");
    }
    for (int i = 0; i < id.length(); i++) {
      char c = id.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || c == '-' || c == '_' || c == '.';
      if (!ok) {
        throw new ValidationException("seal_key.id", "Only ASCII letters, digits, '-', '_' and"
            + " '.' are allowed; got " + PersistText.quote(id) + ".");
      }
    }
  }

  @Override
  public String toString() {
    return "SealKey[id=" + id + "]";
  }
}
