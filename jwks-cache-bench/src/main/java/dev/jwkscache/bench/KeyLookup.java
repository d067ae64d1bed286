package dev.jwkscache.bench;

import java.security.PublicKey;

/**
 * One contender's view of one JWKS URL (one tenant/provider pair): what a verifier asks for per
 * token. A key that is not found gives null or an exception, whichever the contender does.
 */
public interface KeyLookup {
  /** The contender's own JWK object for this kid (a Nimbus {@code JWK}, an Auth0 {@code Jwk}). */
  Object jwk(String kid) throws Exception;

  /** The {@link PublicKey} a signature check needs, as the contender's users obtain it. */
  PublicKey publicKey(String kid) throws Exception;
}
