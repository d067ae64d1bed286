package dev.jwkscache.internal.nimbus;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.KeyType;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.proc.JWSKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import dev.jwkscache.JwksCacheException;
import dev.jwkscache.KeyNotFoundException;
import dev.jwkscache.Registry;
import dev.jwkscache.internal.http.KeyEntry;
import java.security.Key;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A {@link JWSKeySelector} that hands the processor the {@link java.security.PublicKey}s converted
 * once when the set was stored, instead of converting a JWK on every token.
 */
public final class PreconvertedKeySelector implements JWSKeySelector<SecurityContext> {
  private final Registry registry;
  private final String tenantId;
  private final String providerId;

  public PreconvertedKeySelector(Registry registry, String tenantId, String providerId) {
    this.registry = registry;
    this.tenantId = tenantId;
    this.providerId = providerId;
  }

  @Override
  public List<Key> selectJWSKeys(JWSHeader header, SecurityContext context)
      throws KeySourceException {
    JWSAlgorithm alg = header.getAlgorithm();
    String kid = header.getKeyID();
    try {
      if (kid != null) {
        KeyEntry entry = registry.resolveKeyEntry(tenantId, providerId, kid);
        return fits(entry, alg) ? List.of(entry.publicKey()) : List.of();
      }
      List<Key> keys = new ArrayList<>();
      for (KeyEntry entry : registry.resolveKeyEntries(tenantId, providerId)) {
        if (fits(entry, alg)) {
          keys.add(entry.publicKey());
        }
      }
      return keys;
    } catch (KeyNotFoundException e) {
      return List.of();
    } catch (JwksCacheException e) {
      throw new KeySourceException(e.getMessage(), e);
    }
  }

  /** Whether a key may verify a signature made with {@code alg}. */
  public static boolean fits(KeyEntry entry, JWSAlgorithm alg) {
    JWK jwk = entry.jwk();
    if (entry.publicKey() == null || KeyUse.ENCRYPTION.equals(jwk.getKeyUse())) {
      return false;
    }
    if (jwk.getAlgorithm() != null && !jwk.getAlgorithm().equals(alg)) {
      return false;
    }
    KeyType kty = jwk.getKeyType();
    if (JWSAlgorithm.Family.RSA.contains(alg)) {
      return KeyType.RSA.equals(kty);
    }
    if (JWSAlgorithm.Family.EC.contains(alg)) {
      Set<Curve> curves = Curve.forJWSAlgorithm(alg);
      return jwk instanceof ECKey ec && curves != null && curves.contains(ec.getCurve());
    }
    if (JWSAlgorithm.Family.ED.contains(alg)) {
      return jwk instanceof OctetKeyPair okp
          && (Curve.Ed25519.equals(okp.getCurve()) || Curve.Ed448.equals(okp.getCurve()));
    }
    return false;
  }
}
