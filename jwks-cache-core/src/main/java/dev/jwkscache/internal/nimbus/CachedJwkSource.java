package dev.jwkscache.internal.nimbus;

import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSelector;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.SecurityContext;
import dev.jwkscache.JwksCacheException;
import dev.jwkscache.KeyNotFoundException;
import dev.jwkscache.Registry;
import java.util.List;
import java.util.Set;

/**
 * A Nimbus {@link JWKSource} over one pair of the registry. A selector that names one kid goes
 * through the unknown-kid rule, so a rotated key is picked up without waiting for the TTL.
 */
public final class CachedJwkSource implements JWKSource<SecurityContext> {
  private final Registry registry;
  private final String tenantId;
  private final String providerId;

  public CachedJwkSource(Registry registry, String tenantId, String providerId) {
    this.registry = registry;
    this.tenantId = tenantId;
    this.providerId = providerId;
  }

  @Override
  public List<JWK> get(JWKSelector selector, SecurityContext context) throws KeySourceException {
    try {
      Set<String> kids = selector.getMatcher().getKeyIDs();
      if (kids != null && kids.size() == 1) {
        String kid = kids.iterator().next();
        if (kid != null) {
          JWK key = registry.resolveKey(tenantId, providerId, kid);
          return selector.select(new JWKSet(key));
        }
      }
      return selector.select(registry.resolve(tenantId, providerId));
    } catch (KeyNotFoundException e) {
      return List.of();
    } catch (JwksCacheException e) {
      throw new KeySourceException(e.getMessage(), e);
    }
  }
}
