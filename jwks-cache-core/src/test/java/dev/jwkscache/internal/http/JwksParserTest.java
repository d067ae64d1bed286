package dev.jwkscache.internal.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.KeyType;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.Base64URL;
import dev.jwkscache.InvalidJwksException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class JwksParserTest {
  private static final String URL = "https://idp.example/jwks";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> PRIVATE_MEMBERS = Set.of("d", "p", "q", "dp", "dq", "qi", "oth",
      "k");

  static Stream<Arguments> realFixtures() {
    return Stream.of(
        Arguments.of("apple-2024-10.json", 3),
        Arguments.of("auth0-common-tenant-2022-11.json", 2),
        Arguments.of("auth0-docker-prod-tenant-2024-10.json", 2),
        Arguments.of("aws-cognito-us-east-1-2016.json", 2),
        Arguments.of("github-actions-oidc-2025.json", 4),
        Arguments.of("google-2022-11.json", 2),
        Arguments.of("google-2024-10.json", 2),
        Arguments.of("keycloak-master-realm-2022-11.json", 2),
        Arguments.of("microsoft-entra-common-v2-2022-11.json", 10),
        Arguments.of("microsoft-entra-common-v2-2024-10.json", 9),
        Arguments.of("mojeid-2024-10.json", 1),
        Arguments.of("okta-common-org-2022-11.json", 2),
        Arguments.of("onelogin-common-2022-11.json", 1),
        Arguments.of("paypal-2024-08.json", 15),
        Arguments.of("slack-2024-08.json", 1),
        Arguments.of("verimi-2024-08.json", 2),
        Arguments.of("yahoo-2024-10.json", 4));
  }

  @Test
  void everyRealFixtureIsListed() throws IOException {
    List<String> listed = realFixtures().map(a -> (String) a.get()[0]).sorted().toList();
    try (Stream<java.nio.file.Path> files = java.nio.file.Files.list(
        java.nio.file.Path.of("src/test/resources/fixtures/real-jwks"))) {
      List<String> present = files.map(p -> p.getFileName().toString())
          .filter(n -> n.endsWith(".json")).sorted().toList();
      assertThat(listed).isEqualTo(present);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("realFixtures")
  void realFixtureParsesToPublicKeys(String file, int expectedKeys) throws Exception {
    byte[] body = fixture(file);
    JsonNode original = JSON.readTree(body).get("keys");

    ParsedJwks parsed = JwksParser.parse(body, URL);

    assertThat(parsed.keys()).hasSize(expectedKeys);
    assertThat(parsed.set().getKeys()).hasSize(expectedKeys);
    assertThat(parsed.skippedKeys()).isZero();
    assertThat(parsed.privateMaterialDropped()).isFalse();
    for (int i = 0; i < expectedKeys; i++) {
      KeyEntry entry = parsed.keys().get(i);
      JsonNode source = original.get(i);
      assertThat(entry.kid()).isEqualTo(source.path("kid").asText(null));
      assertThat(entry.jwk().isPrivate()).isFalse();
      assertThat(entry.jwk().getKeyType().getValue()).isEqualTo(source.get("kty").asText());
      if (entry.jwk() instanceof RSAKey) {
        assertThat(entry.publicKey()).isInstanceOf(RSAPublicKey.class);
      } else if (entry.jwk() instanceof ECKey) {
        assertThat(entry.publicKey()).isInstanceOf(ECPublicKey.class);
      } else {
        // the only OKP key in the fixtures is PayPal's X25519: no signature key for the JDK
        assertThat(((OctetKeyPair) entry.jwk()).getCurve()).isEqualTo(Curve.X25519);
        assertThat(entry.publicKey()).isNull();
      }
    }
    JsonNode serialised = JSON.readTree(parsed.json());
    assertThat(serialised.get("keys")).hasSize(expectedKeys);
    for (JsonNode key : serialised.get("keys")) {
      assertThat(fieldNames(key)).doesNotContainAnyElementsOf(PRIVATE_MEMBERS);
    }
  }

  @Test
  void unusualButLegitimateShapesAreKept() throws Exception {
    ParsedJwks cognito = JwksParser.parse(fixture("aws-cognito-us-east-1-2016.json"), URL);
    assertThat(cognito.keys()).extracting(KeyEntry::kid)
        .anySatisfy(kid -> assertThat(kid).contains("+", "/", "="));

    ParsedJwks verimi = JwksParser.parse(fixture("verimi-2024-08.json"), URL);
    assertThat(verimi.keys()).extracting(KeyEntry::kid)
        .anySatisfy(kid -> assertThat(kid).startsWith("public:"));

    ParsedJwks keycloak = JwksParser.parse(fixture("keycloak-master-realm-2022-11.json"), URL);
    assertThat(keycloak.keys()).extracting(k -> k.jwk().getKeyUse())
        .containsExactlyInAnyOrder(KeyUse.SIGNATURE, KeyUse.ENCRYPTION);

    // non-RFC x5t (hex string SHA-1) on Auth0's legacy key
    ParsedJwks auth0 = JwksParser.parse(fixture("auth0-common-tenant-2022-11.json"), URL);
    assertThat(auth0.keys()).allSatisfy(k -> assertThat(k.jwk().getX509CertChain()).hasSize(1));

    // expired x5c certificate still published by Entra in 2022
    ParsedJwks entra = JwksParser.parse(fixture("microsoft-entra-common-v2-2022-11.json"), URL);
    assertThat(entra.keys()).extracting(KeyEntry::kid).contains("1LTMzakihiRla_8z2BEJVXeWMqo");

    ParsedJwks yahoo = JwksParser.parse(fixture("yahoo-2024-10.json"), URL);
    assertThat(yahoo.keys()).extracting(KeyEntry::kid).contains("0", "4");
  }

  @ParameterizedTest
  @ValueSource(strings = {"[]", "[{\"keys\":[]}]", "\"keys\"", "42", "true", "null", "",
      "   ", "{\"keys\":[]", "{\"keys\":[]} trailing", "{keys:[]}x", "<html>oops</html>"})
  void bodyThatIsNotAJsonObjectIsInvalid(String body) {
    assertThatThrownBy(() -> JwksParser.parse(body, URL))
        .isExactlyInstanceOf(InvalidJwksException.class)
        .hasMessageContaining(URL)
        .satisfies(e -> assertThat(((InvalidJwksException) e).url()).isEqualTo(URL));
  }

  @ParameterizedTest
  @ValueSource(strings = {"{}", "{\"Keys\":[]}", "{\"keys\":null}", "{\"keys\":{}}",
      "{\"keys\":\"[]\"}", "{\"keys\":7}"})
  void keysMissingOrNotAnArrayIsInvalid(String body) {
    assertThatThrownBy(() -> JwksParser.parse(body, URL))
        .isExactlyInstanceOf(InvalidJwksException.class)
        .hasMessageContaining("\"keys\"");
  }

  @Test
  void emptyKeysArrayIsAValidEmptySet() {
    ParsedJwks parsed = JwksParser.parse("{\"keys\":[]}", URL);
    assertThat(parsed.keys()).isEmpty();
    assertThat(parsed.set().getKeys()).isEmpty();
    assertThat(parsed.skippedKeys()).isZero();
    assertThat(parsed.json()).isEqualTo("{\"keys\":[]}");
  }

  @Test
  void nestingBombIsRefusedBeforeParsing() {
    String bomb = "{\"keys\":[" + "[".repeat(200_000) + "]".repeat(200_000) + "]}";
    assertThatThrownBy(() -> JwksParser.parse(bomb, URL))
        .isExactlyInstanceOf(InvalidJwksException.class)
        .hasMessageContaining("nested deeper than " + JwksParser.MAX_DEPTH);
    String objects = "{\"a\":".repeat(100_000) + "1" + "}".repeat(100_000);
    assertThatThrownBy(() -> JwksParser.parse(objects, URL))
        .isExactlyInstanceOf(InvalidJwksException.class);
  }

  @Test
  void nestingAtTheLimitIsAccepted() {
    // depth: document 1, keys 2, key 3, then 29 nested arrays in an unknown member = 32
    String member = "[".repeat(29) + "]".repeat(29);
    String key = TestKeys.rsaPublic("deep").toJSONString();
    String body = "{\"keys\":[" + key.substring(0, key.length() - 1) + ",\"x-deep\":" + member
        + "}]}";
    assertThat(JwksParser.parse(body, URL).keys()).hasSize(1);
    String tooDeep = body.replace(member, "[" + member + "]");
    assertThatThrownBy(() -> JwksParser.parse(tooDeep, URL))
        .isExactlyInstanceOf(InvalidJwksException.class);
  }

  @Test
  void bracketsInsideStringsDoNotCountAsNesting() {
    String kid = "[[[[{{{{\\\"[[[[".repeat(20);
    String key = TestKeys.rsaPublic("x").toJSONString().replace("\"kid\":\"x\"",
        "\"kid\":\"" + kid + "\"");
    ParsedJwks parsed = JwksParser.parse("{\"keys\":[" + key + "]}", URL);
    assertThat(parsed.keys().get(0).kid()).startsWith("[[[[{{{{\"[[[[");
  }

  @Test
  void keysThatDoNotParseAreSkippedAndCounted() {
    String good = TestKeys.rsaPublic("good").toJSONString();
    String body = "{\"keys\":[{\"kty\":\"FOO\",\"kid\":\"unknown-kty\"}," + good
        + ",{\"kty\":\"RSA\",\"kid\":\"no-modulus\",\"e\":\"AQAB\"},42,\"text\","
        + "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"AAAA\",\"y\":\"AAAA\",\"kid\":\"off-curve\"}]}";
    ParsedJwks parsed = JwksParser.parse(body, URL);
    assertThat(parsed.keys()).extracting(KeyEntry::kid).containsExactly("good");
    assertThat(parsed.skippedKeys()).isEqualTo(5);
    assertThat(parsed.privateMaterialDropped()).isFalse();
  }

  @Test
  void keysPresentButNoneParsedIsInvalid() {
    String body = "{\"keys\":[{\"kty\":\"FOO\"},{\"kty\":\"RSA\"}]}";
    assertThatThrownBy(() -> JwksParser.parse(body, URL))
        .isExactlyInstanceOf(InvalidJwksException.class)
        .hasMessageContaining("none of its 2 keys parsed");
  }

  @Test
  void privateMembersAreDroppedAndSymmetricKeysRemoved() throws Exception {
    String body = TestKeys.jwks(List.of(TestKeys.rsaPrivate("rsa-private"),
        TestKeys.ecPrivate("ec-private"), TestKeys.oct("shared-secret"),
        TestKeys.rsaPublic("rsa-public")));
    assertThat(fieldNames(JSON.readTree(body).get("keys").get(0)))
        .contains("d", "p", "q", "dp", "dq", "qi");
    assertThat(fieldNames(JSON.readTree(body).get("keys").get(1))).contains("d");

    ParsedJwks parsed = JwksParser.parse(body, URL);

    assertThat(parsed.privateMaterialDropped()).isTrue();
    assertThat(parsed.skippedKeys()).isZero();
    assertThat(parsed.keys()).extracting(KeyEntry::kid)
        .containsExactly("rsa-private", "ec-private", "rsa-public");
    assertThat(parsed.keys()).allSatisfy(k -> assertThat(k.jwk().isPrivate()).isFalse());
    assertThat(parsed.set().getKeys()).allSatisfy(k -> assertThat(k.isPrivate()).isFalse());
    assertThat(parsed.set().getKeys()).extracting(JWK::getKeyType)
        .doesNotContain(KeyType.OCT);
    JsonNode served = JSON.readTree(parsed.json());
    assertThat(served.get("keys")).hasSize(3);
    for (JsonNode key : served.get("keys")) {
      assertThat(fieldNames(key)).doesNotContainAnyElementsOf(PRIVATE_MEMBERS);
    }
    assertThat(parsed.json()).doesNotContain("shared-secret");
    assertThat(((RSAKey) parsed.keys().get(0).jwk()).getModulus())
        .isEqualTo(TestKeys.rsaPublic("x").getModulus());
  }

  @Test
  void onlySymmetricKeysIsInvalid() {
    String body = TestKeys.jwks(List.of(TestKeys.oct("a"), TestKeys.oct("b")));
    assertThatThrownBy(() -> JwksParser.parse(body, URL))
        .isExactlyInstanceOf(InvalidJwksException.class)
        .hasMessageContaining("symmetric")
        .hasMessageNotContaining("0123456789abcdef");
  }

  @Test
  void ed25519KeyIsConvertedAndVerifiesSignatures() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("Ed25519");
    KeyPair pair = g.generateKeyPair();
    byte[] spki = pair.getPublic().getEncoded();
    byte[] x = Arrays.copyOfRange(spki, spki.length - 32, spki.length);
    byte[] pkcs8 = pair.getPrivate().getEncoded();
    byte[] d = Arrays.copyOfRange(pkcs8, pkcs8.length - 32, pkcs8.length);
    OctetKeyPair okp = new OctetKeyPair.Builder(Curve.Ed25519, Base64URL.encode(x))
        .d(Base64URL.encode(d)).keyID("ed").build();

    ParsedJwks parsed = JwksParser.parse(TestKeys.jwks(List.of(okp)), URL);

    assertThat(parsed.privateMaterialDropped()).isTrue();
    KeyEntry entry = parsed.keys().get(0);
    assertThat(entry.jwk().isPrivate()).isFalse();
    assertThat(entry.publicKey()).isNotNull();
    byte[] message = "token".getBytes(StandardCharsets.UTF_8);
    Signature signer = Signature.getInstance("Ed25519");
    signer.initSign(pair.getPrivate());
    signer.update(message);
    byte[] signature = signer.sign();
    Signature verifier = Signature.getInstance("Ed25519");
    verifier.initVerify(entry.publicKey());
    verifier.update(message);
    assertThat(verifier.verify(signature)).isTrue();
  }

  @Test
  void ed25519KeyOfWrongLengthIsSkipped() {
    String body = "{\"keys\":[{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"AAAA\",\"kid\":\"short\"},"
        + TestKeys.rsaPublic("ok").toJSONString() + "]}";
    ParsedJwks parsed = JwksParser.parse(body, URL);
    assertThat(parsed.keys()).extracting(KeyEntry::kid).containsExactly("ok");
    assertThat(parsed.skippedKeys()).isEqualTo(1);
  }

  @Test
  void bodyThatIsNotUtf8IsInvalid() {
    byte[] body = {'{', '"', 'k', 'e', 'y', 's', '"', ':', '[', (byte) 0xC3, (byte) 0x28, ']',
        '}'};
    assertThatThrownBy(() -> JwksParser.parse(body, URL))
        .isExactlyInstanceOf(InvalidJwksException.class)
        .hasMessageContaining("UTF-8");
  }

  @Test
  void leadingByteOrderMarkIsTolerated() {
    byte[] json = TestKeys.publicJwks().getBytes(StandardCharsets.UTF_8);
    byte[] body = new byte[json.length + 3];
    body[0] = (byte) 0xEF;
    body[1] = (byte) 0xBB;
    body[2] = (byte) 0xBF;
    System.arraycopy(json, 0, body, 3, json.length);
    assertThat(JwksParser.parse(body, URL).keys()).hasSize(1);
  }

  @Test
  void sanitizedMessagesCarryNoControlCharacters() {
    String body = "{\"keys\":[], \"x\": \u0001\u001b[31m}";
    assertThatThrownBy(() -> JwksParser.parse(body, URL))
        .isExactlyInstanceOf(InvalidJwksException.class)
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\u0001", "\u001b"));
  }

  private static byte[] fixture(String name) throws IOException {
    try (InputStream in = JwksParserTest.class.getResourceAsStream(
        "/fixtures/real-jwks/" + name)) {
      assertThat(in).as(name).isNotNull();
      return in.readAllBytes();
    }
  }

  private static List<String> fieldNames(JsonNode node) {
    List<String> names = new ArrayList<>();
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      names.add(it.next());
    }
    return names;
  }
}
