package dev.jwkscache;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.Base64;

/**
 * A SHA-256 digest of a certificate's SubjectPublicKeyInfo, the unit of TLS key pinning. Written
 * as standard base64 ({@code sha256/} prefix optional); URL-safe base64 without padding is
 * accepted too.
 */
public final class SpkiPin {
  private final byte[] digest;

  private SpkiPin(byte[] digest) {
    this.digest = digest;
  }

  /**
   * Parses a pin; a malformed one is a {@link ValidationException} on {@code pinned_spki}.
   */
  public static SpkiPin parse(String text) {
    if (text == null) {
      throw new ValidationException("pinned_spki", "Entries must not be null.");
    }
    String t = text.trim();
    if (t.startsWith("sha256/")) {
      t = t.substring("sha256/".length());
    }
    byte[] bytes;
    try {
      bytes = (t.indexOf('-') >= 0 || t.indexOf('_') >= 0)
          ? Base64.getUrlDecoder().decode(t)
          : Base64.getDecoder().decode(t);
    } catch (IllegalArgumentException e) {
      throw new ValidationException("pinned_spki",
          "'" + text + "' is not base64 (standard, or URL-safe without padding).");
    }
    if (bytes.length != 32) {
      throw new ValidationException("pinned_spki",
          "'" + text + "' decodes to " + bytes.length + " bytes; a SHA-256 SPKI digest is 32.");
    }
    return new SpkiPin(bytes);
  }

  /** The pin of a certificate's public key. */
  public static SpkiPin of(X509Certificate certificate) {
    return new SpkiPin(sha256(certificate.getPublicKey().getEncoded()));
  }

  static byte[] sha256(byte[] data) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(data);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JVM", e);
    }
  }

  /** True when this pin is the digest of that certificate's SPKI. */
  public boolean matches(X509Certificate certificate) {
    return MessageDigest.isEqual(digest, sha256(certificate.getPublicKey().getEncoded()));
  }

  /** The 32 digest bytes (a copy). */
  public byte[] digest() {
    return digest.clone();
  }

  /** Standard base64, as operators paste it into a config. */
  public String base64() {
    return Base64.getEncoder().encodeToString(digest);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SpkiPin other && Arrays.equals(digest, other.digest);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(digest);
  }

  @Override
  public String toString() {
    return "sha256/" + base64();
  }
}
