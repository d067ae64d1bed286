package dev.jwkscache.server.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jwkscache.ProviderRegistration;
import dev.jwkscache.Registry;
import dev.jwkscache.ValidationException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Findings of {@link RegistrationJsonJazzerTest}, each pinned down. */
class AdminBodyRegressionTest {
  static ProviderRegistration read(String body) {
    return ApiHandler.registration("t", "p", body.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void dataAfterTheJsonObjectIsRefusedInsteadOfIgnored() {
    // each of these used to register {"jwks_url": "https://localhost/j"} with a 201
    for (String body : new String[] {
        "{\"jwks_url\": \"https://localhost/j\"} {\"max_ttl\": \"1s\"}",
        "{\"jwks_url\": \"https://localhost/j\"}]]]}}}garbage",
        "{\"jwks_url\": \"https://localhost/j\"}\u0000\u0000"}) {
      assertThatThrownBy(() -> read(body)).as(body).isInstanceOf(ValidationException.class)
          .satisfies(e -> assertThat(((ValidationException) e).field()).isEqualTo("(body)"))
          .hasMessageContaining("Not valid JSON");
    }
    assertThat(read("{\"jwks_url\": \"https://localhost/j\"}\r\n\t \n").jwksUrl().getHost())
        .isEqualTo("localhost");
  }

  @Test
  void aDurationBeyondTheMillisecondRangeIsEchoedNotA500() {
    // Json.registration -> Durations.format threw ArithmeticException after the pair was
    // registered: the PUT answered 500 although the registration had been applied
    ProviderRegistration r = read("{\"jwks_url\": \"https://localhost/j\","
        + " \"stale_while_error\": \"999999999999d\", \"max_ttl\": \"PT1000000000000S\"}");
    try (Registry registry = Registry.builder().build()) {
      registry.register(r);
      var answer = Json.registration(registry.registration("t", "p"));
      assertThat(answer.get("stale_while_error").asText()).isEqualTo("PT23999999999976H");
      assertThat(answer.get("max_ttl").asText()).isEqualTo("PT277777777H46M40S");
      answer.remove("tenant_id");
      answer.remove("provider_id");
      ProviderRegistration back = ApiHandler.registration("t", "p", Json.bytes(answer));
      assertThat(back.staleWhileError()).isEqualTo(Duration.ofDays(999_999_999_999L));
      assertThat(back.maxTtl()).isEqualTo(Duration.ofSeconds(1_000_000_000_000L));
    }
  }
}
