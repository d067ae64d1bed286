package dev.jwkscache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JWSKeySelector;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import dev.jwkscache.testing.JwksServer;
import dev.jwkscache.testing.ManualTime;
import dev.jwkscache.testing.TestKeys;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Tokens signed with generated keys, verified through the cache by Nimbus's processor. */
class JwtVerificationTest {
  private final ManualTime time = new ManualTime();
  private final JwksServer upstream = new JwksServer();
  private final Registry registry =
      Registry.builder().requireHttps(false).clock(time).scheduler(time).build();

  @AfterEach
  void tearDown() {
    registry.close();
    upstream.close();
  }

  private void register() {
    registry.register(ProviderRegistration.builder("acme", "idp", upstream.url()).build());
  }

  private DefaultJWTProcessor<SecurityContext> processor(boolean preconverted) {
    DefaultJWTProcessor<SecurityContext> p = new DefaultJWTProcessor<>();
    JWSKeySelector<SecurityContext> selector = preconverted
        ? registry.keySelector("acme", "idp")
        : new JWSVerificationKeySelector<>(Set.of(JWSAlgorithm.RS256, JWSAlgorithm.ES256),
            registry.jwkSource("acme", "idp"));
    p.setJWSKeySelector(selector);
    return p;
  }

  @ParameterizedTest(name = "preconverted keys: {0}")
  @ValueSource(booleans = {false, true})
  void rsaAndEcTokensVerifyThroughTheCache(boolean preconverted) throws Exception {
    upstream.serve(TestKeys.publicJwks(TestKeys.rsa("r1"), TestKeys.ec("e1")), 3600);
    register();
    DefaultJWTProcessor<SecurityContext> processor = processor(preconverted);

    JWTClaimsSet rsa = processor.process(TestKeys.sign(TestKeys.rsa("r1"), "alice"), null);
    JWTClaimsSet ec = processor.process(TestKeys.sign(TestKeys.ec("e1"), "bob"), null);

    assertThat(rsa.getSubject()).isEqualTo("alice");
    assertThat(ec.getSubject()).isEqualTo("bob");
    assertThat(upstream.requests()).isEqualTo(1);
  }

  @ParameterizedTest(name = "preconverted keys: {0}")
  @ValueSource(booleans = {false, true})
  void aTokenSignedByAnUnknownKeyFails(boolean preconverted) {
    upstream.serve(TestKeys.publicJwks(TestKeys.rsa("r1")), 3600);
    register();
    DefaultJWTProcessor<SecurityContext> processor = processor(preconverted);

    assertThatThrownBy(() -> processor.process(TestKeys.sign(TestKeys.rsa("intruder"), "x"), null))
        .isInstanceOf(BadJOSEException.class);
    // A forged token under a known kid fails the signature check.
    JWK forged = new com.nimbusds.jose.jwk.RSAKey.Builder(TestKeys.rsa("intruder"))
        .keyID("r1").build();
    assertThatThrownBy(() -> processor.process(TestKeys.sign(forged, "x"), null))
        .isInstanceOf(BadJOSEException.class);
  }

  @ParameterizedTest(name = "preconverted keys: {0}")
  @ValueSource(booleans = {false, true})
  void aRotatedKeyIsPickedUpWithoutWaitingForTheTtl(boolean preconverted) throws Exception {
    upstream.serve(TestKeys.publicJwks(TestKeys.rsa("r1")), 3600);
    register();
    DefaultJWTProcessor<SecurityContext> processor = processor(preconverted);
    processor.process(TestKeys.sign(TestKeys.rsa("r1"), "before"), null);

    upstream.serve(TestKeys.publicJwks(TestKeys.rsa("r1"), TestKeys.rsa("r2")), 3600);
    time.advance(Duration.ofSeconds(31)); // past the unknown-kid cooldown, far inside the TTL

    JWTClaimsSet claims = processor.process(TestKeys.sign(TestKeys.rsa("r2"), "after"), null);
    assertThat(claims.getSubject()).isEqualTo("after");
    assertThat(upstream.requests()).isEqualTo(2);
  }

  @Test
  void publicKeysAreConvertedOnceAndSharedAcrossLookups() {
    upstream.serve(TestKeys.publicJwks(TestKeys.rsa("r1"), TestKeys.ec("e1")), 3600);
    register();
    var rsa = registry.resolvePublicKey("acme", "idp", "r1");
    var ec = registry.resolvePublicKey("acme", "idp", "e1");
    assertThat(rsa).isInstanceOf(RSAPublicKey.class);
    assertThat(ec).isInstanceOf(ECPublicKey.class);
    assertThat(registry.resolvePublicKey("acme", "idp", "r1")).isSameAs(rsa);
    assertThat(((RSAPublicKey) rsa).getModulus())
        .isEqualTo(TestKeys.rsa("r1").getModulus().decodeToBigInteger());
  }
}
