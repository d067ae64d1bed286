package dev.jwkscache.internal.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.jwkscache.ProviderRegistration;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Jazzer target for the Cache-Control / Expires / Date / Age / Last-Modified parsing and the TTL
 * computation ({@link Freshness#compute}), the 304 merge and the conditional request headers.
 *
 * <p>The input is a header block, so that the seed corpus (real IdP headers, the freshness vectors)
 * stays readable: one {@code name: value} per line; a line {@code @status N} sets the status
 * (default 200) and {@code @at N} the receipt time in epoch seconds; a line {@code --} starts the
 * headers of a 304 answering the first response. Other lines are ignored.
 *
 * <p>Nothing may throw, every result must keep its contract, and the clamped TTL of a registration
 * must lie in [min_ttl, max_ttl]. Seeds: {@code FreshnessJazzerTestInputs/headers/}. Regression
 * mode under {@code mvn test}; fuzzing with {@code JAZZER_FUZZ=1} (see {@code .ci/fuzz}).
 */
class FreshnessJazzerTest {
  private static final Instant DEFAULT_AT = Instant.parse("2024-10-01T12:00:00Z");
  private static final ProviderRegistration REGISTRATION = ProviderRegistration.builder(
      "fuzz", "fuzz", "https://idp.example/jwks").build();

  @FuzzTest
  void headers(byte[] input) {
    String text = new String(input, StandardCharsets.UTF_8);
    Map<String, List<String>> response = new LinkedHashMap<>();
    Map<String, List<String>> notModified = new LinkedHashMap<>();
    Map<String, List<String>> target = response;
    int status = 200;
    Instant at = DEFAULT_AT;
    for (String line : text.split("\n", -1)) {
      if (line.startsWith("@status ")) {
        status = parseInt(line.substring(8).trim(), status);
        continue;
      }
      if (line.startsWith("@at ")) {
        long seconds = parseLong(line.substring(4).trim(), at.getEpochSecond());
        at = Instant.ofEpochSecond(Math.max(Instant.MIN.getEpochSecond(),
            Math.min(Instant.MAX.getEpochSecond(), seconds)));
        continue;
      }
      if (line.equals("--")) {
        target = notModified;
        continue;
      }
      int colon = line.indexOf(':');
      if (colon <= 0) {
        continue;
      }
      String name = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
      String value = line.substring(colon + 1).stripLeading();
      target.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
    }
    HeaderLookup lookup = name -> response.getOrDefault(name, List.of());
    HeaderLookup lookup304 = name -> notModified.getOrDefault(name, List.of());

    Freshness.Result result = Freshness.compute(lookup, status, at);
    checkResult(result);
    assertThat(Freshness.compute(lookup, status, at)).isEqualTo(result); // deterministic
    Duration clamped = Freshness.clamp(result, REGISTRATION.minTtl(), REGISTRATION.maxTtl());
    assertThat(clamped).isBetween(REGISTRATION.minTtl(), REGISTRATION.maxTtl());

    Ttl ttl = Ttl.of(lookup, status, at, REGISTRATION, "https://idp.example/jwks");
    assertThat(ttl.value()).isEqualTo(clamped); // Ttl fell back to min_ttl only on a bug

    CachedHeaders stored = CachedHeaders.from(lookup);
    stored.matchesNotModified(lookup304);
    CachedHeaders merged = stored.mergeNotModified(lookup304);
    checkResult(Freshness.revalidated(merged, at));

    Map<String, String> conditional = ConditionalHeaders.forRevalidation(merged);
    // Whatever we send must be accepted by the HTTP client, or every refresh would fail.
    okhttp3.Headers.Builder builder = new okhttp3.Headers.Builder();
    conditional.forEach(builder::add);
    assertThat(builder.build().size()).isEqualTo(conditional.size());

    for (List<String> values : response.values()) {
      for (String v : values) {
        Instant parsed = HttpDates.parse(v, at);
        if (parsed != null) {
          // a parsed date formats and parses back to itself
          assertThat(HttpDates.parse(HttpDates.format(parsed), at)).isEqualTo(parsed);
        }
      }
    }
  }

  private static void checkResult(Freshness.Result result) {
    assertThat(result).isNotNull();
    assertThat(result.ttl()).isNotNull();
    assertThat(result.ttl().isNegative()).isFalse();
    assertThat(result.reason()).isNotBlank().doesNotContain("\n", "\r");
    if (!result.storable()) {
      assertThat(result.ttl()).isZero();
    }
  }

  private static int parseInt(String s, int fallback) {
    try {
      return Integer.parseInt(s);
    } catch (NumberFormatException e) {
      return fallback;
    }
  }

  private static long parseLong(String s, long fallback) {
    try {
      return Long.parseLong(s);
    } catch (NumberFormatException e) {
      return fallback;
    }
  }
}
