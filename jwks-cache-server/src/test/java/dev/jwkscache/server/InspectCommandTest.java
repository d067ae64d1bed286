package dev.jwkscache.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InspectCommandTest {
  static TestIdp idp;
  static ECKey ec;

  @BeforeAll
  static void start() throws Exception {
    idp = new TestIdp();
    ec = new ECKeyGenerator(Curve.P_256).keyID("ec-1").generate();
    // The document leaks the private parts of both keys: inspect must say so.
    idp.serve("/jwks", List.of(TestIdp.rsa("rsa-1"), ec));
  }

  @AfterAll
  static void stop() {
    idp.close();
  }

  record Run(int code, String out, String err) {
  }

  static Run inspect(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    String[] all = new String[args.length + 1];
    all[0] = "inspect";
    System.arraycopy(args, 0, all, 1, args.length);
    int code = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), all);
    return new Run(code, out.toString(), err.toString());
  }

  @Test
  void printsTtlValidatorsKeysPrivateMaterialAndThePinsOfTheChain(@TempDir Path dir)
      throws Exception {
    Run r = inspect(idp.url("/jwks"), "--ca-file", idp.writeCaPem(dir).toString());
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out())
        .contains("TTL          600 s")
        .containsPattern("TTL .*max-age")
        .contains("ETag \"v2\"")
        .containsPattern("rsa-1 +RSA +RS256 +sig +2048 bits")
        .containsPattern("ec-1 +EC +- +- +P-256")
        .contains("FOUND")
        .contains("pin " + idp.leafPin());
  }

  @Test
  void jsonForMachines(@TempDir Path dir) throws Exception {
    Run r = inspect(idp.url("/jwks"), "--json", "--ca-file", idp.writeCaPem(dir).toString());
    assertThat(r.code()).as(r.err()).isZero();
    JsonNode j = new ObjectMapper().readTree(r.out());
    assertThat(j.get("ttl_seconds").asLong()).isEqualTo(600);
    assertThat(j.get("headers").get("etag").asText()).isEqualTo("\"v2\"");
    assertThat(j.get("private_material_found").asBoolean()).isTrue();
    assertThat(j.get("keys")).hasSize(2);
    assertThat(j.get("keys").get(0).get("size").asInt()).isEqualTo(2048);
    assertThat(j.get("keys").get(1).get("curve").asText()).isEqualTo("P-256");
    assertThat(j.get("tls_chain").get(0).get("spki_sha256").asText()).isEqualTo(idp.leafPin());
  }

  @Test
  void aWrongPinIsRefusedLikeTheRegistryWould(@TempDir Path dir) throws Exception {
    Run r = inspect(idp.url("/jwks"), "--ca-file", idp.writeCaPem(dir).toString(), "--pin",
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("SecurityViolationException");
  }

  @Test
  void anUntrustedServerFailsAndHttpIsRefused() {
    Run untrusted = inspect(idp.url("/jwks"));
    assertThat(untrusted.code()).isEqualTo(1);
    Run http = inspect("http://localhost:1/jwks");
    assertThat(http.code()).isEqualTo(2);
    assertThat(http.err()).contains("jwks_url");
  }
}
