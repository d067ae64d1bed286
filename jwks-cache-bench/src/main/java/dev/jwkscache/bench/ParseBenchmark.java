package dev.jwkscache.bench;

import com.nimbusds.jose.jwk.AsymmetricJWK;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import dev.jwkscache.internal.http.JwksParser;
import dev.jwkscache.internal.http.ParsedJwks;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Scenario 5, parse cost: each real JWKS document (jwks-cache-core's test fixtures, copied into
 * the benchmark jar under {@code real-jwks/}) parsed by our {@link JwksParser} and by Nimbus
 * {@link JWKSet#parse(String)}. Run with {@code -prof gc} for allocation per parse.
 *
 * <p>The two do not do the same work: ours also validates, drops private material, converts every
 * key to a {@link PublicKey} once, and serialises the public set (kept for snapshots and the
 * sidecar). {@code nimbusParseAndConvert} adds the PublicKey conversion to Nimbus's parse, for a
 * closer comparison (keys Nimbus cannot export, such as PayPal's OKP key, are skipped, as
 * ours skips them). Logging is at error level so a document with a skipped key does not measure
 * the logger.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m",
    "-Dorg.slf4j.simpleLogger.defaultLogLevel=error"})
public class ParseBenchmark {
  @Param({"apple-2024-10", "auth0-common-tenant-2022-11", "auth0-docker-prod-tenant-2024-10",
      "aws-cognito-us-east-1-2016", "github-actions-oidc-2025", "google-2022-11", "google-2024-10",
      "keycloak-master-realm-2022-11", "microsoft-entra-common-v2-2022-11",
      "microsoft-entra-common-v2-2024-10", "mojeid-2024-10", "okta-common-org-2022-11",
      "onelogin-common-2022-11", "paypal-2024-08", "slack-2024-08", "verimi-2024-08",
      "yahoo-2024-10"})
  public String doc;

  private String json;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    json = load(doc);
    // Both parsers must accept the document, or the comparison is meaningless.
    ParsedJwks ours = JwksParser.parse(json, doc);
    try {
      JWKSet nimbus = JWKSet.parse(json);
      if (nimbus.getKeys().isEmpty() || ours.keys().isEmpty()) {
        throw new IllegalStateException(doc + ": no keys");
      }
    } catch (java.text.ParseException e) {
      throw new IllegalStateException(doc + ": Nimbus refuses it: " + e.getMessage(), e);
    }
  }

  static String load(String doc) throws IOException {
    try (InputStream in = ParseBenchmark.class.getResourceAsStream("/real-jwks/" + doc + ".json")) {
      if (in == null) {
        throw new IllegalStateException("missing resource real-jwks/" + doc + ".json");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Benchmark
  public ParsedJwks ours() {
    return JwksParser.parse(json, "https://idp.example/jwks");
  }

  @Benchmark
  public JWKSet nimbus() throws Exception {
    return JWKSet.parse(json);
  }

  @Benchmark
  public List<PublicKey> nimbusParseAndConvert() throws Exception {
    JWKSet set = JWKSet.parse(json);
    List<PublicKey> out = new ArrayList<>(set.getKeys().size());
    for (JWK k : set.getKeys()) {
      if (k instanceof AsymmetricJWK a) {
        try {
          out.add(a.toPublicKey());
        } catch (com.nimbusds.jose.JOSEException e) {
          // e.g. an OKP key Nimbus cannot export (PayPal's set has one); ours skips those too
        }
      }
    }
    return out;
  }
}
