package dev.jwkscache.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.Test;

/** The contract check itself must fail on responses the spec does not describe. */
class OpenApiContractTest {
  static final String STATUS = "{\"tenant_id\":\"a\",\"provider_id\":\"b\",\"state\":\"Ready\","
      + "\"error_count\":0,\"hit_rate\":0.5,\"stale_serve_ratio\":0,\"metrics\":[]}";

  static void check(String path, int code, String contentType, String body) {
    Response r = new Response.Builder().request(new Request.Builder()
            .url("http://127.0.0.1" + path).build())
        .protocol(Protocol.HTTP_1_1).code(code).message("x").header("Content-Type", contentType)
        .build();
    OpenApiContract.check("GET", path, r, body.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void acceptsADescribedResponse() {
    check("/v1/status", 200, "application/json", "{\"providers\":[" + STATUS + "]}");
  }

  @Test
  void refusesWhatTheSpecDoesNotDescribe() {
    assertThatThrownBy(() -> check("/v1/status", 418, "application/json", "{}"))
        .isInstanceOf(AssertionError.class);
    assertThatThrownBy(() -> check("/v1/status", 200, "text/html", "{\"providers\":[]}"))
        .isInstanceOf(AssertionError.class);
    // wrong member type and an undeclared member: caught by the JSON Schema 2020-12 pass
    assertThatThrownBy(() -> check("/v1/status", 200, "application/json",
        "{\"providers\":[" + STATUS.replace("\"a\"", "1") + "]}"))
        .isInstanceOf(AssertionError.class);
    assertThatThrownBy(() -> check("/v1/status", 200, "application/json",
        "{\"providers\":[" + STATUS.replace("{", "{\"extra\":1,") + "]}"))
        .isInstanceOf(AssertionError.class);
    assertThatThrownBy(() -> check("/v1/status", 200, "application/json",
        "{\"providers\":[" + STATUS.replace("Ready", "READY") + "]}"))
        .isInstanceOf(AssertionError.class);
    // a documented status without its required header
    assertThatThrownBy(() -> check("/v1/tenants/a/providers/b/jwks", 503,
        "application/problem+json", "{\"type\":\"urn:jwks-cache:problem:fetch-failure\","
            + "\"title\":\"t\",\"status\":503}"))
        .isInstanceOf(AssertionError.class);
  }

  @Test
  void listsEveryOperation() {
    assertThat(OpenApiContract.operations()).hasSize(11)
        .contains("PUT /v1/tenants/{tenant}/providers/{provider}", "GET /metrics");
  }
}
