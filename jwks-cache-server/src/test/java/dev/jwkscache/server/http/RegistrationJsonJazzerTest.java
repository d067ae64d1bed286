package dev.jwkscache.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jwkscache.JwksCacheException;
import dev.jwkscache.ProviderRegistration;
import dev.jwkscache.Registry;
import dev.jwkscache.ValidationException;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Timeout;

/**
 * Jazzer target for the admin API's registration JSON (the body of {@code PUT
 * /v1/tenants/{t}/providers/{p}}): {@link ApiHandler#registration} (size limit, strict JSON,
 * {@code RegistrationReader}), then what {@code put} does with the result: register it in a
 * registry, read back the registration in effect and render it ({@link Json#registration}) as the
 * 200/201 body. Two registries: the server's defaults, and a locked-down one (allowlist, private
 * addresses refused, http allowed, other defaults).
 *
 * <p>Rules: any body is either a registration or a {@link ValidationException} (400 validation
 * problem); registering throws only a library error that the PUT maps to a 4xx problem (never the
 * 500 "internal" answer); an accepted body is one JSON object (nothing after it); the rendered
 * answer serialises, and PUT back (minus the ids) it is accepted and gives the same registration.
 * Each input runs on a fresh pair (it is unregistered afterwards). No input may take more than
 * the timeout.
 *
 * <p>Seeds: {@code RegistrationJsonJazzerTestInputs/put/}: the bodies of {@code ApiContractTest}
 * (valid and invalid), every field set, each rule broken, and hostile ones (deep nesting, huge
 * numbers and durations, unicode, duplicate keys, NUL characters, trailing data, other
 * encodings). {@link RegistrationJsonOverHttpTest} sends every seed through the real server.
 * Regression mode under {@code mvn test}; fuzzing with {@code JAZZER_FUZZ=1} (see {@code
 * .ci/fuzz}).
 */
class RegistrationJsonJazzerTest {
  static final String TENANT = "fuzz-tenant";
  static final String PROVIDER = "fuzz_idp";
  /** An independent strict reading: one JSON value and nothing after it. */
  private static final ObjectReader STRICT = new ObjectMapper().reader()
      .with(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
      .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private static Registry open;
  private static Registry locked;

  private static synchronized List<Registry> registries() {
    if (open == null) {
      open = Registry.builder().fetchThreads(1).build();
      locked = Registry.builder().fetchThreads(1)
          .requireHttps(false)
          .allowedDomains(List.of("localhost", "idp.example.com"))
          .refusePrivateAddresses(true)
          .defaultRefreshEarly(java.time.Duration.ofSeconds(1))
          .defaultStaleWhileError(java.time.Duration.ZERO)
          .build();
    }
    return List.of(open, locked);
  }

  @AfterAll
  static synchronized void closeRegistries() {
    if (open != null) {
      open.close();
      locked.close();
      open = null;
      locked = null;
    }
  }

  @FuzzTest
  @Timeout(value = 10, unit = TimeUnit.SECONDS)
  void put(byte[] body) throws Exception {
    ProviderRegistration registration;
    try {
      registration = ApiHandler.registration(TENANT, PROVIDER, body);
    } catch (ValidationException refused) {
      assertClientError(refused, 400);
      assertThat(refused.field()).isNotBlank();
      return;
    }
    assertOneJsonObject(body);
    for (Registry registry : registries()) {
      try {
        registry.register(registration);
      } catch (JwksCacheException refused) {
        assertClientError(refused, 400);
        continue;
      }
      try {
        ObjectNode answer = Json.registration(registry.registration(TENANT, PROVIDER));
        assertThat(Json.bytes(answer)).isNotEmpty();
        assertPutBackGivesTheSame(registry, answer);
      } finally {
        assertThat(registry.unregister(TENANT, PROVIDER)).isTrue();
      }
    }
  }

  /** The problem the PUT answers for {@code e}: the given 4xx, with a problem document. */
  static void assertClientError(JwksCacheException e, int status) {
    Problem p = Problems.from(e, true, null).instance("/v1/tenants/t/providers/p");
    assertThat(p.status()).as("%s", e).isEqualTo(status);
    assertThat(p.body().get("detail").asText()).isNotBlank();
    assertThat(Json.bytes(p.body())).isNotEmpty();
  }

  static void assertOneJsonObject(byte[] body) throws IOException {
    JsonNode strict = STRICT.readTree(body);
    assertThat(strict).isNotNull();
    assertThat(strict.isObject()).isTrue();
  }

  /** The 2xx answer, minus the ids, is itself a valid PUT body for the same registration. */
  static void assertPutBackGivesTheSame(Registry registry, ObjectNode answer) {
    ObjectNode back = answer.deepCopy();
    back.remove("tenant_id");
    back.remove("provider_id");
    ProviderRegistration again = ApiHandler.registration(TENANT, PROVIDER, Json.bytes(back));
    registry.register(again);
    assertThat(Json.registration(registry.registration(TENANT, PROVIDER))).isEqualTo(answer);
  }
}
