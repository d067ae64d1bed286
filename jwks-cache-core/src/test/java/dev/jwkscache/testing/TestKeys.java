package dev.jwkscache.testing;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.util.Date;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/** Key pairs generated once per JVM (RSA generation is slow) and JWT signing. */
public final class TestKeys {
  private static final ConcurrentHashMap<String, JWK> KEYS = new ConcurrentHashMap<>();

  private TestKeys() {
  }

  public static RSAKey rsa(String kid) {
    return (RSAKey) KEYS.computeIfAbsent("rsa:" + kid, k -> {
      try {
        return new RSAKeyGenerator(2048).keyID(kid).keyUse(KeyUse.SIGNATURE)
            .algorithm(JWSAlgorithm.RS256).generate();
      } catch (JOSEException e) {
        throw new IllegalStateException(e);
      }
    });
  }

  public static ECKey ec(String kid) {
    return (ECKey) KEYS.computeIfAbsent("ec:" + kid, k -> {
      try {
        return new ECKeyGenerator(Curve.P_256).keyID(kid).keyUse(KeyUse.SIGNATURE)
            .algorithm(JWSAlgorithm.ES256).generate();
      } catch (JOSEException e) {
        throw new IllegalStateException(e);
      }
    });
  }

  /** The public JSON of a set made of these keys. */
  public static String publicJwks(JWK... keys) {
    return new JWKSet(List.of(keys)).toPublicJWKSet().toString();
  }

  public static String sign(JWK key, String subject) {
    try {
      JWSHeader header;
      SignedJWT jwt;
      JWTClaimsSet claims = new JWTClaimsSet.Builder().subject(subject).issuer("https://idp.test")
          .expirationTime(new Date(System.currentTimeMillis() + 600_000)).build();
      if (key instanceof RSAKey rsa) {
        header = new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).build();
        jwt = new SignedJWT(header, claims);
        jwt.sign(new RSASSASigner(rsa));
      } else {
        ECKey ec = (ECKey) key;
        header = new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(key.getKeyID()).build();
        jwt = new SignedJWT(header, claims);
        jwt.sign(new ECDSASigner(ec));
      }
      return jwt.serialize();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }
}
