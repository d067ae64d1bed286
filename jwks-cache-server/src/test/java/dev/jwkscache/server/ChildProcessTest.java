package dev.jwkscache.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI as users run it: separate JVMs, real signals, exit codes. */
class ChildProcessTest {
  final OkHttpClient http = new OkHttpClient();

  @Test
  void demoExitsZero(@TempDir Path dir) throws Exception {
    try (ChildJvm demo = ChildJvm.start(dir, List.of(), Map.of(), "demo")) {
      assertThat(demo.process.waitFor(120, TimeUnit.SECONDS)).as("demo finished").isTrue();
      assertThat(demo.process.exitValue()).as(demo.out() + demo.err()).isZero();
      assertThat(demo.out()).contains("all worked").contains("[ok]").doesNotContain("FAILED");
    }
  }

  @Test
  void sigtermWritesSnapshotsAndExitsZeroThenTheNextStartIsWarm(@TempDir Path dir)
      throws Exception {
    Path snapshots = dir.resolve("snapshots");
    Path config = dir.resolve("config.yaml");
    List<String> jvm;
    try (TestIdp idp = new TestIdp()) {
      String url = idp.serve("/jwks", List.of(TestIdp.rsa("k1").toPublicJWK()));
      Files.writeString(config, """
          server: {port: 0}
          registry: {allowed_domains: [localhost]}
          persistence: {file: snapshots}
          providers:
            - {tenant_id: acme, provider_id: okta, jwks_url: "%s"}
          """.formatted(url));
      jvm = trustStoreArgs(dir, idp);
      try (ChildJvm serve = ChildJvm.start(dir, jvm, Map.of(), "serve", "--config",
          config.toString())) {
        String base = serve.awaitLog("Listening on (http://\\S+) ", Duration.ofSeconds(30));
        awaitReady(base);
        // Write-through stored the first load; remove it so only the shutdown write can
        // bring it back.
        try (Stream<Path> files = Files.list(snapshots)) {
          for (Path p : files.toList()) {
            Files.delete(p);
          }
        }
        serve.process.destroy(); // SIGTERM
        assertThat(serve.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(serve.process.exitValue()).as(serve.err()).isZero();
        assertThat(serve.err()).contains("Shutdown: 1 snapshot(s) written");
      }
    }
    try (Stream<Path> files = Files.list(snapshots)) {
      List<Path> written = files.filter(p -> p.toString().endsWith(".snapshot.json")).toList();
      assertThat(written).hasSize(1);
      assertThat(Files.readString(written.get(0))).contains("\"tenant_id\"").contains("acme")
          .contains("k1");
    }

    // The identity provider is gone: the next start serves the restored set.
    try (ChildJvm serve = ChildJvm.start(dir, jvm, Map.of(), "serve", "--config",
        config.toString())) {
      String base = serve.awaitLog("Listening on (http://\\S+) ", Duration.ofSeconds(30));
      awaitReady(base);
      try (Response r = http.newCall(new Request.Builder()
          .url(base + "/v1/tenants/acme/providers/okta/keys/k1").build()).execute()) {
        assertThat(r.code()).isEqualTo(200);
      }
      serve.process.destroy();
      assertThat(serve.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(serve.process.exitValue()).isZero();
    }
  }

  @Test
  void badConfigurationExitsThreeNamingTheKeyPath(@TempDir Path dir) throws Exception {
    Path config = Files.writeString(dir.resolve("bad.yaml"), "server: {port: 80000}\n");
    try (ChildJvm serve = ChildJvm.start(dir, List.of(), Map.of(), "serve", "--config",
        config.toString())) {
      assertThat(serve.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(serve.process.exitValue()).isEqualTo(3);
      assertThat(serve.err()).contains("server.port: Must be between 0 and 65535");
    }
  }

  private void awaitReady(String base) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < deadline) {
      try (Response r = http.newCall(new Request.Builder().url(base + "/readyz").build())
          .execute()) {
        if (r.code() == 200) {
          return;
        }
      }
      Thread.sleep(50);
    }
    throw new AssertionError("not ready: " + base);
  }

  /** The child JVM trusts the test CA through the standard trust-store properties. */
  private static List<String> trustStoreArgs(Path dir, TestIdp idp) throws Exception {
    KeyStore ks = KeyStore.getInstance("PKCS12");
    ks.load(null, null);
    ks.setCertificateEntry("test-ca", idp.ca.certificate());
    Path store = dir.resolve("trust.p12");
    try (OutputStream out = Files.newOutputStream(store)) {
      ks.store(out, "changeit".toCharArray());
    }
    return List.of("-Djavax.net.ssl.trustStore=" + store,
        "-Djavax.net.ssl.trustStorePassword=changeit", "-Djavax.net.ssl.trustStoreType=PKCS12");
  }
}
