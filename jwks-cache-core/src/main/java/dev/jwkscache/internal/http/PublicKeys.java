package dev.jwkscache.internal.http;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;

/**
 * Converts a public JWK to the JDK's {@link PublicKey}, once, when a set is stored: RSA and EC
 * through Nimbus, Ed25519 and Ed448 through the JDK's EdDSA key factory (Java 15+). Key-agreement
 * curves (X25519, X448) and anything the JDK cannot represent give null.
 */
final class PublicKeys {
  /** DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410), followed by the 32 key bytes. */
  private static final byte[] ED25519_SPKI_PREFIX = {
      0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};
  /** DER prefix of an Ed448 SubjectPublicKeyInfo (RFC 8410), followed by the 57 key bytes. */
  private static final byte[] ED448_SPKI_PREFIX = {
      0x30, 0x43, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x71, 0x03, 0x3a, 0x00};

  private PublicKeys() {
  }

  /**
   * The JDK public key of {@code jwk}, or null when there is none to give (X25519, an
   * unsupported curve).
   *
   * @throws GeneralSecurityException when the JDK refuses key material it should represent
   */
  static PublicKey of(JWK jwk) throws GeneralSecurityException {
    try {
      if (jwk instanceof RSAKey rsa) {
        return rsa.toRSAPublicKey();
      }
      if (jwk instanceof ECKey ec) {
        return ec.toECPublicKey();
      }
    } catch (JOSEException e) {
      throw new GeneralSecurityException(e.getMessage(), e);
    }
    if (jwk instanceof OctetKeyPair okp) {
      return edDsa(okp);
    }
    return null;
  }

  private static PublicKey edDsa(OctetKeyPair okp) throws GeneralSecurityException {
    Curve curve = okp.getCurve();
    byte[] prefix;
    int length;
    String algorithm;
    if (Curve.Ed25519.equals(curve)) {
      prefix = ED25519_SPKI_PREFIX;
      length = 32;
      algorithm = "Ed25519";
    } else if (Curve.Ed448.equals(curve)) {
      prefix = ED448_SPKI_PREFIX;
      length = 57;
      algorithm = "Ed448";
    } else {
      return null; // X25519 / X448 are for key agreement, not signatures
    }
    byte[] x = okp.getDecodedX();
    if (x.length != length) {
      throw new GeneralSecurityException(
          algorithm + " public key must be " + length + " bytes, got " + x.length);
    }
    byte[] spki = new byte[prefix.length + length];
    System.arraycopy(prefix, 0, spki, 0, prefix.length);
    System.arraycopy(x, 0, spki, prefix.length, length);
    return KeyFactory.getInstance(algorithm).generatePublic(new X509EncodedKeySpec(spki));
  }
}
