package dev.jwkscache.internal.http;

import com.nimbusds.jose.jwk.JWK;
import java.security.PublicKey;

/**
 * One public key of a set, with its {@link PublicKey} converted once when the set was stored.
 *
 * @param kid the key id, or null when the key has none
 * @param jwk the public JWK
 * @param publicKey the converted key, or null when the JDK cannot represent it (e.g. X25519)
 */
public record KeyEntry(String kid, JWK jwk, PublicKey publicKey) {
}
