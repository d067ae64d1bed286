package dev.jwkscache.internal.http;

import com.nimbusds.jose.jwk.JWKSet;
import java.util.List;

/**
 * A validated, public-only key set.
 *
 * @param set the public keys as a Nimbus set (what callers get)
 * @param keys the same keys with converted public keys, in document order
 * @param skippedKeys keys that did not parse (unknown kty, missing members) and were dropped
 * @param privateMaterialDropped true when private members or symmetric keys were removed
 */
public record ParsedJwks(JWKSet set, List<KeyEntry> keys, int skippedKeys,
    boolean privateMaterialDropped) {

  public ParsedJwks {
    keys = List.copyOf(keys);
  }

  /**
   * The public set serialised, as persisted. Computed on each call rather than kept: a cached
   * copy would add about 1.5 KB to every pair, and only snapshot writes need it.
   */
  public String json() {
    // Every key is public already (the parser made sure), and toString(true) would rebuild each
    // key (re-parsing its x5c chain) to strip private members there are none of.
    return set.toString(false);
  }
}
