package dev.jwkscache.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jwkscache.server.config.ConfigLoader;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
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
 * Every seed of {@link RegistrationJsonJazzerTest} (and its findings) as the body of a real admin
 * PUT: the answer is a 200/201 with the registration, or a 4xx problem document; never a 5xx. The
 * server allows only {@code localhost}, so the warm-up fetch after a successful PUT can only try
 * a loopback port (the seeds use 443, 8443 and 1); its outcome does not matter here.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RegistrationJsonOverHttpTest {
  static final String TOKEN = "fuzz-admin-token-0123456789";
  static final MediaType APPLICATION_JSON = MediaType.get("application/json");
  static final ObjectMapper JSON = new ObjectMapper();

  final OkHttpClient http = new OkHttpClient.Builder().readTimeout(Duration.ofSeconds(30))
      .build();
  SidecarServer server;

  @BeforeAll
  void start() {
    server = SidecarServer.start(ConfigLoader.parse("""
        server: {host: 127.0.0.1, port: 0, admin_token: %s}
        registry: {allowed_domains: [localhost]}
        persistence: {enabled: false}
        """.formatted(TOKEN), null, Map.of()));
  }

  @AfterAll
  void stop() {
    if (server != null) {
      server.stop();
    }
  }

  static List<Path> seeds() throws IOException, URISyntaxException {
    Path dir = Path.of(RegistrationJsonOverHttpTest.class.getResource(
        "RegistrationJsonJazzerTestInputs/put").toURI());
    try (Stream<Path> files = Files.list(dir)) {
      return files.sorted().toList();
    }
  }

  @Test
  void everySeedIsA2xxRegistrationOrA4xxProblemNeverA5xx() throws Exception {
    String path = "/v1/tenants/" + RegistrationJsonJazzerTest.TENANT + "/providers/"
        + RegistrationJsonJazzerTest.PROVIDER;
    List<Path> seeds = seeds();
    assertThat(seeds).hasSizeGreaterThan(50);
    int created = 0;
    for (Path seed : seeds) {
      byte[] body = Files.readAllBytes(seed);
      Request put = new Request.Builder().url(server.baseUri() + path)
          .header("Authorization", "Bearer " + TOKEN)
          .put(RequestBody.create(body, APPLICATION_JSON)).build();
      try (Response r = http.newCall(put).execute()) {
        byte[] answer = r.body().bytes();
        String what = seed.getFileName() + " -> " + r.code() + " "
            + new String(answer, java.nio.charset.StandardCharsets.UTF_8);
        assertThat(r.code()).as(what).isIn(200, 201, 400);
        JsonNode json = JSON.readTree(answer);
        if (r.code() == 400) {
          assertThat(r.header("Content-Type")).as(what).startsWith("application/problem+json");
          assertThat(json.get("type").asText()).as(what).isIn(
              "urn:jwks-cache:problem:validation", "urn:jwks-cache:problem:security-violation");
          continue;
        }
        created++;
        assertThat(json.get("tenant_id").asText()).isEqualTo(RegistrationJsonJazzerTest.TENANT);
        assertThat(JSON.readTree(Json.bytes(Json.registration(server.registry().registration(
            RegistrationJsonJazzerTest.TENANT, RegistrationJsonJazzerTest.PROVIDER)))))
            .as(what).isEqualTo(json);
      }
      try (Response r = http.newCall(new Request.Builder().url(server.baseUri() + path)
          .header("Authorization", "Bearer " + TOKEN).delete().build()).execute()) {
        assertThat(r.code()).isEqualTo(204);
      }
    }
    assertThat(created).as("seeds that register").isGreaterThan(10);
  }
}
