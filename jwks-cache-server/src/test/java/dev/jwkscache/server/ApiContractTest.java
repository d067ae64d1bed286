package dev.jwkscache.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.RSAKey;
import dev.jwkscache.server.config.ConfigLoader;
import dev.jwkscache.server.http.SidecarServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The sidecar started in-process on a free port, driven over real HTTP; every response is checked
 * against openapi.yaml, and every operation of the spec must have been exercised.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ApiContractTest {
  static final String TOKEN = "test-admin-token-0123456789";
  static final ObjectMapper JSON = new ObjectMapper();
  static final MediaType APPLICATION_JSON = MediaType.get("application/json");

  final Set<String> covered = new TreeSet<>();
  final OkHttpClient http = new OkHttpClient.Builder().readTimeout(Duration.ofSeconds(30))
      .build();
  TestIdp idp;
  RSAKey key1;
  RSAKey key2;
  SidecarServer server;
  /** No admin token; one configured pair whose provider is down. */
  SidecarServer locked;

  /** A response read whole. */
  record Reply(int code, Map<String, List<String>> headers, byte[] body) {
    String header(String name) {
      for (Map.Entry<String, List<String>> e : headers.entrySet()) {
        if (e.getKey().equalsIgnoreCase(name)) {
          return e.getValue().get(0);
        }
      }
      return null;
    }

    String text() {
      return new String(body, StandardCharsets.UTF_8);
    }

    JsonNode json() throws IOException {
      return JSON.readTree(body);
    }
  }

  @BeforeAll
  void start() throws Exception {
    idp = new TestIdp();
    key1 = TestIdp.rsa("key-1");
    key2 = TestIdp.rsa("key-2");
    String url = idp.serve("/acme/jwks.json", List.of(key1.toPublicJWK()));
    idp.fail("/down/jwks.json", 500);
    server = SidecarServer.start(ConfigLoader.parse("""
        server: {host: 127.0.0.1, port: 0, admin_token: %s}
        registry: {allowed_domains: [localhost]}
        persistence: {enabled: false}
        providers:
          - {tenant_id: acme, provider_id: okta, jwks_url: "%s", pinned_spki: ["%s"]}
        """.formatted(TOKEN, url, idp.leafPin()), null, Map.of()), idp.trustManager());
    locked = SidecarServer.start(ConfigLoader.parse("""
        server: {host: 127.0.0.1, port: 0}
        persistence: {enabled: false}
        providers:
          - tenant_id: down
            provider_id: idp
            jwks_url: "%s"
            retry_policy: {max_retries: 0}
        """.formatted(idp.url("/down/jwks.json")), null, Map.of()), idp.trustManager());
  }

  @AfterAll
  void stop() {
    if (server != null) {
      server.stop();
    }
    if (locked != null) {
      locked.stop();
    }
    idp.close();
  }

  Reply call(SidecarServer target, String method, String path, String body, String token)
      throws IOException {
    return call(target, method, path, body, token, Map.of());
  }

  /** One request; the response is validated against the spec and its operation recorded. */
  Reply call(SidecarServer target, String method, String path, String body, String token,
      Map<String, String> headers) throws IOException {
    Request.Builder b = new Request.Builder().url(target.baseUri() + path);
    headers.forEach(b::header);
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    RequestBody rb = body == null
        ? (method.equals("PUT") || method.equals("POST") ? RequestBody.create(new byte[0]) : null)
        : RequestBody.create(body.getBytes(StandardCharsets.UTF_8),
            headers.containsKey("Content-Type") ? null : APPLICATION_JSON);
    b.method(method, rb);
    try (Response r = http.newCall(b.build()).execute()) {
      byte[] bytes = r.body().bytes();
      covered.add(OpenApiContract.check(method, path, r, bytes));
      return new Reply(r.code(), r.headers().toMultimap(), bytes);
    }
  }

  Reply awaitReady(SidecarServer target) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    Reply r;
    do {
      r = call(target, "GET", "/readyz", null, null);
      if (r.code() == 200) {
        return r;
      }
      Thread.sleep(50);
    } while (System.nanoTime() < deadline);
    return r;
  }

  @Test
  void everyOperationOfTheSpecIsExercisedAndConforms() throws Exception {
    // ops
    Reply spec = call(server, "GET", "/openapi.yaml", null, null);
    assertThat(spec.code()).isEqualTo(200);
    assertThat(spec.text()).isEqualTo(OpenApiContract.specText());
    assertThat(call(server, "GET", "/healthz", null, null).json().get("status").asText())
        .isEqualTo("ok");
    Reply ready = awaitReady(server);
    assertThat(ready.code()).isEqualTo(200);
    assertThat(ready.json().get("waiting_for")).isEmpty();

    Reply notReady = call(locked, "GET", "/readyz", null, null);
    assertThat(notReady.code()).isEqualTo(503);
    assertThat(notReady.json().get("waiting_for").get(0).get("tenant_id").asText())
        .isEqualTo("down");

    // the key set: ETag is the body's digest, max-age the time left, If-None-Match -> 304
    Reply jwks = call(server, "GET", "/v1/tenants/acme/providers/okta/jwks", null, null);
    assertThat(jwks.code()).isEqualTo(200);
    assertThat(jwks.header("Content-Type")).startsWith("application/jwk-set+json");
    String etag = jwks.header("ETag");
    assertThat(etag).isEqualTo("\"" + Base64.getUrlEncoder().withoutPadding().encodeToString(
        MessageDigest.getInstance("SHA-256").digest(jwks.body())) + "\"");
    assertThat(jwks.header("Cache-Control")).matches("max-age=\\d+");
    long maxAge = Long.parseLong(jwks.header("Cache-Control").substring("max-age=".length()));
    assertThat(maxAge).isBetween(500L, 600L);
    assertThat(jwks.json().get("keys").get(0).get("kid").asText()).isEqualTo("key-1");
    assertThat(jwks.json().get("keys").get(0).has("d")).isFalse();

    Reply notModified = call(server, "GET", "/v1/tenants/acme/providers/okta/jwks", null, null,
        Map.of("If-None-Match", "\"other\", " + etag));
    assertThat(notModified.code()).isEqualTo(304);
    assertThat(notModified.body()).isEmpty();
    assertThat(notModified.header("ETag")).isEqualTo(etag);
    assertThat(call(server, "GET", "/v1/tenants/acme/providers/okta/jwks", null, null,
        Map.of("If-None-Match", "\"other\"")).code()).isEqualTo(200);

    // one key; an unknown kid is a 404 problem
    Reply key = call(server, "GET", "/v1/tenants/acme/providers/okta/keys/key-1", null, null);
    assertThat(key.code()).isEqualTo(200);
    assertThat(JWK.parse(key.text()).getKeyID()).isEqualTo("key-1");
    assertThat(JWK.parse(key.text()).isPrivate()).isFalse();
    Reply noKey = call(server, "GET", "/v1/tenants/acme/providers/okta/keys/nope", null, null);
    assertThat(noKey.code()).isEqualTo(404);
    assertThat(noKey.header("Content-Type")).startsWith("application/problem+json");
    assertThat(noKey.json().get("type").asText()).isEqualTo("urn:jwks-cache:problem:key-not-found");
    assertThat(noKey.json().get("kid").asText()).isEqualTo("nope");

    // unknown pair
    Reply unknown = call(server, "GET", "/v1/tenants/nobody/providers/x/jwks", null, null);
    assertThat(unknown.code()).isEqualTo(404);
    assertThat(unknown.json().get("type").asText())
        .isEqualTo("urn:jwks-cache:problem:not-registered");
    assertThat(call(server, "GET", "/v1/tenants/nobody/providers/x/status", null, null).code())
        .isEqualTo(404);
    assertThat(call(server, "GET", "/v1/tenants/nobody/providers/x/keys/k", null, null).code())
        .isEqualTo(404);

    // statuses, with the seed's field names
    Reply status = call(server, "GET", "/v1/tenants/acme/providers/okta/status", null, null);
    assertThat(status.code()).isEqualTo(200);
    JsonNode s = status.json();
    assertThat(s.get("state").asText()).isEqualTo("Ready");
    assertThat(s.get("hit_rate").asDouble()).isGreaterThan(0);
    assertThat(s.has("expires_at")).isTrue();
    assertThat(s.get("metrics").get(0).get("labels").get("tenant").asText()).isEqualTo("acme");
    Reply all = call(server, "GET", "/v1/status", null, null);
    assertThat(all.json().get("providers")).hasSize(1);

    // admin: register, update, validation errors, refresh, delete
    String path = "/v1/tenants/globex/providers/auth0";
    String goodBody = """
        {"jwks_url": "%s", "pinned_spki": ["%s"], "stale_while_error": "5m",
         "retry_policy": {"max_retries": 0, "attempt_timeout": "2s", "deadline": "PT3S"}}
        """.formatted(idp.url("/acme/jwks.json"), idp.caPin());
    Reply created = call(server, "PUT", path, goodBody, TOKEN);
    assertThat(created.code()).isEqualTo(201);
    assertThat(created.header("Location")).isEqualTo(path + "/status");
    assertThat(created.json().get("stale_while_error").asText()).isEqualTo("5m");
    assertThat(created.json().get("retry_policy").get("deadline").asText()).isEqualTo("3s");
    assertThat(created.json().get("allowed_domains").get(0).asText()).isEqualTo("localhost");
    assertThat(call(server, "PUT", path, goodBody, TOKEN).code()).isEqualTo(200);

    Reply invalid = call(server, "PUT", path, "{\"jwks_url\": \"" + idp.url("/x")
        + "\", \"min_ttl\": \"5s\"}", TOKEN);
    assertThat(invalid.code()).isEqualTo(400);
    assertThat(invalid.json().get("type").asText()).isEqualTo("urn:jwks-cache:problem:validation");
    assertThat(invalid.json().get("field").asText()).isEqualTo("min_ttl");
    Reply nested = call(server, "PUT", path, "{\"jwks_url\": \"" + idp.url("/x")
        + "\", \"retry_policy\": {\"deadline\": \"10ms\"}}", TOKEN);
    assertThat(nested.json().get("field").asText()).isEqualTo("retry_policy.deadline");
    Reply unknownField = call(server, "PUT", path, "{\"jwks_url\": \"" + idp.url("/x")
        + "\", \"refresh_erly\": \"5s\"}", TOKEN);
    assertThat(unknownField.code()).isEqualTo(400);
    assertThat(unknownField.json().get("field").asText()).isEqualTo("refresh_erly");
    Reply badDuration = call(server, "PUT", path, "{\"jwks_url\": \"" + idp.url("/x")
        + "\", \"max_ttl\": 30}", TOKEN);
    assertThat(badDuration.json().get("field").asText()).isEqualTo("max_ttl");
    Reply notJson = call(server, "PUT", path, "{nope", TOKEN);
    assertThat(notJson.code()).isEqualTo(400);
    Reply http1 = call(server, "PUT", path, "{\"jwks_url\": \"http://localhost/x\"}", TOKEN);
    assertThat(http1.json().get("field").asText()).isEqualTo("jwks_url");
    Reply outside = call(server, "PUT", "/v1/tenants/t/providers/p",
        "{\"jwks_url\": \"https://idp.example.com/jwks\"}", TOKEN);
    assertThat(outside.code()).isEqualTo(400);
    assertThat(outside.json().get("type").asText())
        .isEqualTo("urn:jwks-cache:problem:security-violation");
    Reply badId = call(server, "PUT", "/v1/tenants/bad_tenant/providers/p",
        "{\"jwks_url\": \"" + idp.url("/x") + "\"}", TOKEN);
    assertThat(badId.json().get("field").asText()).isEqualTo("tenant_id");
    Reply wrongType = call(server, "PUT", path, "jwks_url=x", TOKEN,
        Map.of("Content-Type", "text/plain"));
    assertThat(wrongType.code()).isEqualTo(415);

    idp.serve("/acme/jwks.json", List.of(key1.toPublicJWK(), key2.toPublicJWK()));
    Reply refreshed = call(server, "POST", path + "/refresh", null, TOKEN);
    assertThat(refreshed.code()).isEqualTo(200);
    assertThat(refreshed.json().get("state").asText()).isEqualTo("Ready");
    assertThat(call(server, "GET", path + "/keys/key-2", null, null).code()).isEqualTo(200);

    // upstream failures with nothing cached: 502, or 503 with Retry-After
    String fastFail = "\"retry_policy\": {\"max_retries\": 0, \"attempt_timeout\": \"1s\","
        + " \"deadline\": \"2s\"}";
    call(server, "PUT", "/v1/tenants/broken/providers/p500",
        "{\"jwks_url\": \"" + idp.url("/down/jwks.json") + "\", " + fastFail + "}", TOKEN);
    Reply bad = call(server, "GET", "/v1/tenants/broken/providers/p500/jwks", null, null);
    assertThat(bad.code()).isEqualTo(502);
    assertThat(bad.json().get("type").asText()).isEqualTo("urn:jwks-cache:problem:upstream-status");
    assertThat(bad.json().get("upstream_status").asInt()).isEqualTo(500);
    Reply badRefresh = call(server, "POST", "/v1/tenants/broken/providers/p500/refresh", null,
        TOKEN);
    assertThat(badRefresh.code()).isEqualTo(502);

    idp.fail("/busy/jwks.json", 503);
    call(server, "PUT", "/v1/tenants/broken/providers/p503",
        "{\"jwks_url\": \"" + idp.url("/busy/jwks.json") + "\", " + fastFail + "}", TOKEN);
    Reply busy = call(server, "GET", "/v1/tenants/broken/providers/p503/keys/any", null, null);
    assertThat(busy.code()).isIn(503, 404); // an unknown kid whose refresh failed is key-not-found
    Reply busySet = call(server, "GET", "/v1/tenants/broken/providers/p503/jwks", null, null);
    assertThat(busySet.code()).isEqualTo(503);
    assertThat(busySet.header("Retry-After")).matches("\\d+");
    Reply busyRefresh = call(server, "POST", "/v1/tenants/broken/providers/p503/refresh", null,
        TOKEN);
    assertThat(busyRefresh.code()).isEqualTo(503);

    String closedPort = "https://localhost:1/jwks.json";
    call(server, "PUT", "/v1/tenants/broken/providers/nohost",
        "{\"jwks_url\": \"" + closedPort + "\", " + fastFail + "}", TOKEN);
    Reply unreachable = call(server, "GET", "/v1/tenants/broken/providers/nohost/jwks", null,
        null);
    assertThat(unreachable.code()).isEqualTo(503);
    assertThat(unreachable.json().get("type").asText())
        .isEqualTo("urn:jwks-cache:problem:fetch-failure");
    assertThat(unreachable.header("Retry-After")).matches("\\d+");

    Reply deleted = call(server, "DELETE", path, null, TOKEN);
    assertThat(deleted.code()).isEqualTo(204);
    assertThat(call(server, "DELETE", path, null, TOKEN).code()).isEqualTo(404);
    assertThat(call(server, "POST", path + "/refresh", null, TOKEN).code()).isEqualTo(404);
    assertThat(call(server, "GET", path + "/status", null, null).code()).isEqualTo(404);

    // metrics: the registry's meters with the seed's names, JVM and HTTP server basics
    Reply metrics = call(server, "GET", "/metrics", null, null);
    assertThat(metrics.code()).isEqualTo(200);
    assertThat(metrics.text())
        .contains("jwks_cache_requests_total{provider=\"okta\",tenant=\"acme\"}")
        .contains("jwks_cache_hits_total{provider=\"okta\",tenant=\"acme\"}")
        .contains("jwks_cache_refresh_total{provider=\"okta\",status=\"success\",tenant=\"acme\"}")
        .contains("jwks_cache_refresh_duration_seconds_count")
        .contains("jwks_cache_refresh_errors_total{provider=\"p500\",tenant=\"broken\"}")
        .contains("http_server_requests_seconds_count{method=\"GET\",status=\"200\","
            + "uri=\"/v1/tenants/{tenant}/providers/{provider}/jwks\"}")
        .contains("jvm_memory_used_bytes");

    assertThat(covered).containsAll(OpenApiContract.operations());
  }

  @Test
  void adminNeedsTheRightBearerToken() throws Exception {
    String path = "/v1/tenants/auth/providers/p";
    String body = "{\"jwks_url\": \"" + idp.url("/acme/jwks.json") + "\"}";
    Reply missing = call(server, "PUT", path, body, null);
    assertThat(missing.code()).isEqualTo(401);
    assertThat(missing.header("WWW-Authenticate")).startsWith("Bearer");
    assertThat(missing.json().get("type").asText()).isEqualTo("urn:jwks-cache:problem:unauthorized");
    Reply wrong = call(server, "PUT", path, body, TOKEN + "x");
    assertThat(wrong.code()).isEqualTo(401);
    assertThat(call(server, "DELETE", path, null, "short").code()).isEqualTo(401);
    assertThat(call(server, "POST", path + "/refresh", null, null).code()).isEqualTo(401);
    Reply basic = call(server, "PUT", path, body, null,
        Map.of("Authorization", "Basic " + Base64.getEncoder().encodeToString(
            ("admin:" + TOKEN).getBytes(StandardCharsets.UTF_8))));
    assertThat(basic.code()).isEqualTo(401);
    assertThat(server.registry().allStatuses()).noneMatch(st -> st.tenantId().equals("auth"));

    assertThat(call(server, "PUT", path, body, TOKEN).code()).isEqualTo(201);
    assertThat(call(server, "DELETE", path, null, TOKEN).code()).isEqualTo(204);

    // no token configured: the admin endpoints are disabled, whatever is sent
    Reply disabled = call(locked, "PUT", path, body, TOKEN);
    assertThat(disabled.code()).isEqualTo(403);
    assertThat(disabled.json().get("type").asText())
        .isEqualTo("urn:jwks-cache:problem:admin-disabled");
    assertThat(call(locked, "DELETE", "/v1/tenants/down/providers/idp", null, null).code())
        .isEqualTo(403);
    assertThat(call(locked, "POST", "/v1/tenants/down/providers/idp/refresh", null, TOKEN)
        .code()).isEqualTo(403);
    assertThat(locked.registry().allStatuses()).hasSize(1);
  }

  @Test
  void unknownRoutesAndMethodsAreProblemsToo() throws Exception {
    try (Response r = http.newCall(new Request.Builder()
        .url(server.baseUri() + "/v2/nothing").build()).execute()) {
      assertThat(r.code()).isEqualTo(404);
      assertThat(r.header("Content-Type")).startsWith("application/problem+json");
    }
    try (Response r = http.newCall(new Request.Builder()
        .url(server.baseUri() + "/v1/status").delete().build()).execute()) {
      assertThat(r.code()).isEqualTo(405);
      assertThat(r.header("Allow")).isEqualTo("GET");
    }
  }

  @Test
  void bindsLoopbackByDefault() {
    assertThat(ConfigLoader.parse("providers: []", null, Map.of()).server().host())
        .isEqualTo("127.0.0.1");
    assertThat(server.baseUri().getHost()).isEqualTo("127.0.0.1");
  }
}
