package dev.jwkscache.internal.http;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import com.nimbusds.jose.util.JSONObjectUtils;
import dev.jwkscache.InvalidJwksException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a JWKS document into a validated, public-only {@link ParsedJwks}.
 *
 * <p>Rules:
 *
 * <ul>
 *   <li>The body must be UTF-8 JSON whose top-level value is an object with a {@code keys} array;
 *       anything else is an {@link InvalidJwksException}. A leading byte-order mark is tolerated.
 *   <li>Arrays and objects nested deeper than {@value #MAX_DEPTH} levels, and documents of more
 *       than {@value #MAX_JSON_VALUES} values, are refused by a linear pre-scan before the JSON
 *       parser runs, so a nesting bomb cannot exhaust the stack and a body of millions of tiny
 *       values cannot make the parser build millions of objects.
 *   <li>A {@code keys} array of more than {@value #MAX_KEYS} entries is refused whole, before any
 *       key is parsed (truncating it could drop the very key in use, silently).
 *   <li>Each key is parsed on its own. A key that does not parse (unknown {@code kty}, missing or
 *       malformed members, an {@code x5c} that does not match the key) is skipped with a warning
 *       (the first {@value #MAX_SKIP_WARNINGS} one by one, the rest in one summary line) and
 *       counted in {@link ParsedJwks#skippedKeys()}; the rest of the set is kept. Members the
 *       parser does not know, non-standard {@code x5t} values, expired {@code x5c} certificates,
 *       {@code use: enc} and unusual kids never fail a key.
 *   <li>Only public material is kept: RSA, EC and OKP keys carrying private members are reduced to
 *       their public part and symmetric ({@code oct}) keys are dropped;
 *       {@link ParsedJwks#privateMaterialDropped()} reports it.
 *   <li>An empty {@code keys} array is a valid, empty set (the provider's word is final). A set
 *       whose keys were present but none is a usable public key (none parsed, or only symmetric
 *       keys) is invalid, so that the previously cached set stays in place.
 * </ul>
 *
 * <p>Stateless and thread-safe.
 */
public final class JwksParser {
  /** Deepest nesting of arrays/objects accepted; a real JWKS needs 4 or 5 levels. */
  public static final int MAX_DEPTH = 32;
  /**
   * Most entries a {@code keys} array may hold; a larger set is refused whole. Real sets hold a
   * handful (the largest we know of, about 15); a thousand is far beyond any provider, and keeps
   * the per-refresh parsing work and a lookup's scan of the set small.
   */
  public static final int MAX_KEYS = 1_000;
  /**
   * Most JSON values a document may hold (see {@link JsonDepth#scan}), checked before parsing: a
   * key of a real set has about 10 members, so 64 per key leaves ample room while refusing a
   * body of millions of tiny values before the parser allocates a tree for them.
   */
  public static final long MAX_JSON_VALUES = 64L * MAX_KEYS;
  /** Skipped keys logged one by one per document; the rest are counted in one summary line. */
  static final int MAX_SKIP_WARNINGS = 5;

  private static final Logger LOG = LoggerFactory.getLogger(JwksParser.class);

  private JwksParser() {
  }

  /** Parses a body received as bytes; it must be UTF-8. */
  public static ParsedJwks parse(byte[] body, String url) {
    String text;
    try {
      text = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(body))
          .toString();
    } catch (CharacterCodingException e) {
      throw new InvalidJwksException(url, "The JWKS from " + url
          + " is not valid UTF-8 text; the endpoint must serve a JSON JWK Set (RFC 7517).", e);
    }
    return parse(text, url);
  }

  /** Parses a body already decoded to text. */
  public static ParsedJwks parse(String body, String url) {
    if (body == null) {
      throw invalid(url, "the body is empty");
    }
    String json = body.startsWith("\uFEFF") ? body.substring(1) : body;
    if (json.isBlank()) {
      throw invalid(url, "the body is empty");
    }
    switch (JsonDepth.scan(json, MAX_DEPTH, MAX_JSON_VALUES)) {
      case TOO_DEEP -> throw invalid(url, "arrays/objects are nested deeper than " + MAX_DEPTH
          + " levels");
      case TOO_MANY_VALUES -> throw invalid(url, "it holds more than " + MAX_JSON_VALUES
          + " JSON values, far more than a key set of at most " + MAX_KEYS + " keys needs");
      case OK -> {
        // parse below
      }
    }
    Map<String, Object> document;
    try {
      document = JSONObjectUtils.parse(json);
    } catch (java.text.ParseException | RuntimeException e) {
      throw new InvalidJwksException(url, "The JWKS from " + url + " is not a JSON object: "
          + Sanitizer.printable(e.getMessage(), 200)
          + "; the endpoint must serve a JSON JWK Set (RFC 7517).", e);
    }
    if (document == null) {
      throw invalid(url, "the body is not a JSON object");
    }
    Object keysMember = document.get("keys");
    if (keysMember == null) {
      throw invalid(url, "it has no \"keys\" member");
    }
    if (!(keysMember instanceof List<?> rawKeys)) {
      throw invalid(url, "its \"keys\" member is not an array");
    }
    if (rawKeys.size() > MAX_KEYS) {
      throw invalid(url, "its \"keys\" array holds " + rawKeys.size()
          + " entries; a key set may hold at most " + MAX_KEYS + " keys");
    }
    if (rawKeys.isEmpty()) {
      LOG.info("JWKS from {} has an empty \"keys\" array; no token can be verified against it",
          url);
    }
    return toPublicSet(rawKeys, url);
  }

  private static ParsedJwks toPublicSet(List<?> rawKeys, String url) {
    List<JWK> publicJwks = new ArrayList<>(rawKeys.size());
    List<KeyEntry> entries = new ArrayList<>(rawKeys.size());
    int skipped = 0;
    int symmetric = 0;
    boolean privateDropped = false;
    for (int i = 0; i < rawKeys.size(); i++) {
      Object raw = rawKeys.get(i);
      JWK jwk = parseOne(raw, i, url, skipped < MAX_SKIP_WARNINGS);
      if (jwk == null) {
        skipped++;
        continue;
      }
      if (jwk instanceof OctetSequenceKey) {
        // A shared secret must never be cached or served: drop it whole.
        symmetric++;
        privateDropped = true;
        continue;
      }
      if (jwk.isPrivate()) {
        jwk = jwk.toPublicJWK();
        privateDropped = true;
      }
      if (jwk == null || jwk.isPrivate()) {
        // Defensive: a key type without a public form is treated like a secret.
        symmetric++;
        privateDropped = true;
        continue;
      }
      PublicKey publicKey;
      try {
        publicKey = PublicKeys.of(jwk);
      } catch (GeneralSecurityException | RuntimeException e) {
        if (skipped < MAX_SKIP_WARNINGS) {
          LOG.warn("Skipping key #{} (kid '{}') of the JWKS from {}: the JDK cannot use it: {}", i,
              Sanitizer.printable(jwk.getKeyID(), 80), url,
              Sanitizer.printable(e.getMessage(), 200));
        }
        skipped++;
        continue;
      }
      publicJwks.add(jwk);
      entries.add(new KeyEntry(jwk.getKeyID(), jwk, publicKey));
    }
    if (!rawKeys.isEmpty() && publicJwks.isEmpty()) {
      String why = symmetric > 0 && skipped == 0
          ? "all of its " + rawKeys.size() + " keys are symmetric (oct) secrets, which are never "
              + "cached"
          : "none of its " + rawKeys.size() + " keys parsed (" + skipped + " skipped"
              + (symmetric > 0 ? ", " + symmetric + " symmetric dropped" : "") + ")";
      throw invalid(url, why);
    }
    if (skipped > MAX_SKIP_WARNINGS) {
      LOG.warn("Skipped {} keys of the JWKS from {} in all; the first {} are logged above",
          skipped, url, MAX_SKIP_WARNINGS);
    }
    if (symmetric > 0) {
      LOG.debug("Dropped {} symmetric key(s) from the JWKS of {}", symmetric, url);
    }
    return new ParsedJwks(new JWKSet(publicJwks), entries, skipped, privateDropped);
  }

  private static JWK parseOne(Object raw, int index, String url, boolean warn) {
    if (!(raw instanceof Map<?, ?> map)) {
      if (warn) {
        LOG.warn("Skipping key #{} of the JWKS from {}: it is not a JSON object", index, url);
      }
      return null;
    }
    try {
      @SuppressWarnings("unchecked")
      Map<String, Object> members = (Map<String, Object>) map;
      return JWK.parse(members);
    } catch (java.text.ParseException | RuntimeException e) {
      if (!warn) {
        return null;
      }
      Object kid = map.get("kid");
      Object kty = map.get("kty");
      LOG.warn("Skipping key #{} (kty '{}', kid '{}') of the JWKS from {}: {}", index,
          Sanitizer.printable(String.valueOf(kty), 20), Sanitizer.printable(String.valueOf(kid), 80),
          url, Sanitizer.printable(e.getMessage(), 200));
      return null;
    }
  }

  private static InvalidJwksException invalid(String url, String why) {
    return new InvalidJwksException(url, "The JWKS from " + url + " is not usable: " + why
        + "; the endpoint must serve a JSON object with a \"keys\" array of public JWKs "
        + "(RFC 7517).");
  }
}
