package dev.jwkscache.internal.http;

import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.Base64URL;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.List;

/** Key material generated for tests (never taken from anywhere). */
final class TestKeys {
  static final KeyPair RSA = generate("RSA", 2048);
  static final KeyPair EC = generateEc();

  private TestKeys() {
  }

  /** A public RSA JWK with a kid. */
  static RSAKey rsaPublic(String kid) {
    return new RSAKey.Builder((RSAPublicKey) RSA.getPublic()).keyID(kid).build();
  }

  /** A private RSA JWK: d plus every CRT member (p, q, dp, dq, qi). */
  static RSAKey rsaPrivate(String kid) {
    return new RSAKey.Builder((RSAPublicKey) RSA.getPublic())
        .privateKey((RSAPrivateCrtKey) RSA.getPrivate()).keyID(kid).build();
  }

  /** A private EC P-256 JWK (with d). */
  static ECKey ecPrivate(String kid) {
    return new ECKey.Builder(Curve.P_256, (ECPublicKey) EC.getPublic())
        .privateKey((ECPrivateKey) EC.getPrivate()).keyID(kid).build();
  }

  static OctetSequenceKey oct(String kid) {
    return new OctetSequenceKey.Builder(
        Base64URL.encode("0123456789abcdef0123456789abcdef".getBytes())).keyID(kid).build();
  }

  /** A JWKS document holding these keys, private members included when the keys have them. */
  static String jwks(List<? extends JWK> keys) {
    StringBuilder sb = new StringBuilder("{\"keys\":[");
    for (int i = 0; i < keys.size(); i++) {
      sb.append(i == 0 ? "" : ",").append(keys.get(i).toJSONString());
    }
    return sb.append("]}").toString();
  }

  /** A small valid public set, as served by a test IdP. */
  static String publicJwks() {
    return jwks(List.of(rsaPublic("rsa-1")));
  }

  private static KeyPair generate(String algorithm, int size) {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance(algorithm);
      g.initialize(size);
      return g.generateKeyPair();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static KeyPair generateEc() {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec("secp256r1"));
      return g.generateKeyPair();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
