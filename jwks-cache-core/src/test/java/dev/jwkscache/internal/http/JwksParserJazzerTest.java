package dev.jwkscache.internal.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import com.nimbusds.jose.util.JSONObjectUtils;
import dev.jwkscache.InvalidJwksException;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Jazzer target for {@link JwksParser#parse(byte[], String)}: any body is either an {@link
 * InvalidJwksException} or a public-only set. No private member ({@code d, p, q, dp, dq, qi, oth})
 * and no symmetric key ({@code oct}, member {@code k}) may survive in the keys, the Nimbus set or
 * the serialised JSON that is persisted and served; the serialised JSON must parse back to the
 * same keys (it is what a snapshot restores).
 *
 * <p>Seeds: {@code JwksParserJazzerTestInputs/parse/}: every real fixture of
 * {@code fixtures/real-jwks/}, plus sets with private RSA, EC, OKP members and {@code oct} keys.
 */
class JwksParserJazzerTest {
  static final Set<String> PRIVATE_MEMBERS = Set.of("d", "p", "q", "dp", "dq", "qi", "oth", "k");
  private static final String URL = "https://idp.example/jwks";

  @FuzzTest
  void parse(byte[] body) throws Exception {
    ParsedJwks parsed;
    try {
      parsed = JwksParser.parse(body, URL);
    } catch (InvalidJwksException expected) {
      assertThat(expected.getMessage()).isNotBlank();
      return;
    }
    assertPublicOnly(parsed);

    // What is persisted (json) parses back to the same keys: a snapshot restores through it.
    ParsedJwks again = JwksParser.parse(parsed.json(), URL);
    assertThat(again.keys()).hasSameSizeAs(parsed.keys());
    for (int i = 0; i < parsed.keys().size(); i++) {
      assertThat(again.keys().get(i).kid()).isEqualTo(parsed.keys().get(i).kid());
      assertThat(again.keys().get(i).jwk()).isEqualTo(parsed.keys().get(i).jwk());
    }
    assertThat(again.privateMaterialDropped()).isFalse();
  }

  static void assertPublicOnly(ParsedJwks parsed) throws Exception {
    assertThat(parsed.keys()).hasSameSizeAs(parsed.set().getKeys());
    for (int i = 0; i < parsed.keys().size(); i++) {
      KeyEntry e = parsed.keys().get(i);
      JWK jwk = e.jwk();
      assertThat(jwk.isPrivate()).as("key %s is private", e.kid()).isFalse();
      assertThat(jwk).isNotInstanceOf(OctetSequenceKey.class);
      assertThat(e.kid()).isEqualTo(jwk.getKeyID());
      assertThat(parsed.set().getKeys().get(i)).isSameAs(jwk);
      assertThat(jwk.toJSONObject().keySet()).doesNotContainAnyElementsOf(PRIVATE_MEMBERS);
    }
    Map<String, Object> doc = JSONObjectUtils.parse(parsed.json());
    List<Object> keys = JSONObjectUtils.getJSONArray(doc, "keys");
    assertThat(keys).hasSameSizeAs(parsed.keys());
    for (Object k : keys) {
      @SuppressWarnings("unchecked")
      Map<String, Object> members = (Map<String, Object>) k;
      assertThat(members.keySet()).doesNotContainAnyElementsOf(PRIVATE_MEMBERS);
    }
    assertThat(parsed.set().toString(false)).isEqualTo(parsed.set().toString(true));
  }
}
