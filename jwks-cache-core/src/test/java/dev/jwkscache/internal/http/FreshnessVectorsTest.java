package dev.jwkscache.internal.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Runs every vector of fixtures/freshness-vectors.json. Receipt time follows the file's
 * conventions: {@code received_at} when given, else the response's Date, else T0.
 */
class FreshnessVectorsTest {
  private static final JsonNode ROOT = load();
  private static final Instant T0 = Instant.parse("2024-01-01T00:00:00Z");
  private static final double NANOS = 1e9;

  /**
   * Every disputed vector and our decision. All are followed; a test below fails when the
   * fixture gains or loses a disputed vector, so none is decided silently.
   */
  private static final Map<String, String> DISPUTED = Map.of(
      "hcs-resp-weird-syntax",
      "followed: whitespace around '=' and empty list members are tolerated; a server that "
          + "writes 'max-age = 456' means 456, and the result is clamped anyway",
      "hcs-resp-quoted-syntax",
      "followed: RFC 9111 5.2 asks recipients to accept the quoted form of an argument",
      "hcs-resp-pragma-no-cache",
      "followed: Pragma: no-cache without any Cache-Control is read as no-cache (TTL 0, so "
          + "min_ttl and a conditional refresh), the cautious reading",
      "hcs-resp-blank-cc-and-pragma",
      "followed: an empty Cache-Control line is still a Cache-Control header, so Pragma is "
          + "ignored and the 10% heuristic applies",
      "hcs-resp-uncacheable-503",
      "followed: registered error statuses are never stored, stricter than RFC 9111 3; an error "
          + "answer must never stand in for a key set",
      "hcs-resp-uncacheable-412",
      "followed: same rule as 503",
      "hcs-304-matching-etag-updates",
      "RFC reading: the 304's headers replace the stored ones, including a Cache-Control the "
          + "stored 200 lacked; only the fields CachedHeaders keeps exist, so x-ignore-new is "
          + "absent either way");

  /**
   * Vectors whose verdict depends on the request. Production only ever sends a plain GET with
   * no Cache-Control, so {@link Freshness#compute(HeaderLookup, int, Instant)} has no request
   * side; these run through the package-private overload that takes one.
   */
  private static final Set<String> REQUEST_SIDE = Set.of("hcs-okhttp-method-options",
      "hcs-okhttp-client-no-store", "hcs-req-no-store-kills-cache", "hcs-req-private-auth-ok");

  static Stream<Arguments> responseVectors() {
    List<Arguments> out = new ArrayList<>();
    for (String array : List.of("freshness_vectors", "real_world_vectors")) {
      for (JsonNode v : ROOT.get(array)) {
        out.add(Arguments.of(v.get("id").asText(), v));
      }
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("responseVectors")
  void storableAndTtl(String id, JsonNode vector) {
    JsonNode request = vector.get("request");
    JsonNode response = vector.get("response");
    HeaderLookup headers = headers(response.get("headers"));
    Instant receivedAt = receivedAt(vector, response.get("headers"));

    Freshness.Result result = Freshness.compute(request.get("method").asText(),
        headers(request.get("headers")), headers, response.get("status").asInt(), receivedAt);

    assertExpected(id, vector.get("expect"), result);
  }

  /**
   * What the engine stores is {@link CachedHeaders}, not the response: its translations
   * (several Expires lines, Pragma) must not change any verdict.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("responseVectors")
  void capturedHeadersGiveTheSameVerdict(String id, JsonNode vector) {
    JsonNode response = vector.get("response");
    HeaderLookup headers = headers(response.get("headers"));
    Instant receivedAt = receivedAt(vector, response.get("headers"));
    int status = response.get("status").asInt();

    Freshness.Result direct = Freshness.compute(headers, status, receivedAt);
    Freshness.Result captured = Freshness.compute(CachedHeaders.from(headers), status,
        receivedAt);

    assertThat(captured.storable()).as("%s: storable", id).isEqualTo(direct.storable());
    assertThat(captured.ttl()).as("%s: ttl", id).isEqualTo(direct.ttl());
  }

  @Test
  void requestSideVectorsAreTheOnesThatNeedTheOverload() {
    Set<String> found = new TreeSet<>();
    for (String array : List.of("freshness_vectors", "real_world_vectors")) {
      for (JsonNode v : ROOT.get(array)) {
        JsonNode req = v.get("request");
        if (!"GET".equals(req.get("method").asText()) || req.get("headers").size() > 0) {
          found.add(v.get("id").asText());
        }
      }
    }
    assertThat(found).isEqualTo(new TreeSet<>(REQUEST_SIDE));
  }

  @Test
  void everyDisputedVectorHasADocumentedDecision() {
    Set<String> disputed = new HashSet<>();
    ROOT.fields().forEachRemaining(e -> {
      if (e.getValue().isArray()) {
        for (JsonNode v : e.getValue()) {
          if (v.hasNonNull("disputed") && v.hasNonNull("id")) {
            disputed.add(v.get("id").asText());
          }
        }
      }
    });
    assertThat(disputed).isEqualTo(DISPUTED.keySet());
  }

  @Test
  void fixtureCountsMatchTheReadme() {
    assertThat(ROOT.get("freshness_vectors")).hasSize(144);
    assertThat(ROOT.get("revalidation_vectors")).hasSize(10);
    assertThat(ROOT.get("merge_304_vectors")).hasSize(9);
    assertThat(ROOT.get("real_world_vectors")).hasSize(9);
  }

  // ---------------------------------------------------------------- revalidation

  static Stream<Arguments> revalidationVectors() {
    List<Arguments> out = new ArrayList<>();
    for (JsonNode v : ROOT.get("revalidation_vectors")) {
      out.add(Arguments.of(v.get("id").asText(), v));
    }
    return out.stream();
  }

  /**
   * The produced validators must equal the vector's must-include set, exactly, after these
   * documented adjustments:
   *
   * <ul>
   *   <li>hcs-reval-merge-etags: the vector appends the stored ETag to a caller's own
   *       If-None-Match list. Our fetcher builds every request itself and never has caller
   *       headers, so we send the stored ETag alone.
   *   <li>ct-conditional-etag-vary-headers: "abc: 123" is a request header named by Vary,
   *       repeated on revalidation. Our fetcher sends the same fixed request headers on every
   *       fetch, so nothing varies; ConditionalHeaders only adds validators, and "abc" is not
   *       one.
   *   <li>hcs-reval-vary-star: CachedHeaders does not keep Vary (see above). The vector passes
   *       as written because the stored response has no validators; with an ETag and Vary: * we
   *       would still send If-None-Match ({@code FreshnessTest}).
   * </ul>
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("revalidationVectors")
  void revalidationHeaders(String id, JsonNode vector) {
    CachedHeaders stored = CachedHeaders.from(headers(vector.get("stored_response")
        .get("headers")));
    JsonNode expect = vector.get("expect");

    Map<String, String> expected = new LinkedHashMap<>();
    expect.get("revalidation_request_must_include").fields()
        .forEachRemaining(e -> expected.put(e.getKey(), e.getValue().asText()));
    if (id.equals("hcs-reval-merge-etags")) {
      expected.put("if-none-match", stored.etag());
    }
    if (id.equals("ct-conditional-etag-vary-headers")) {
      assertThat(expected.remove("abc")).isEqualTo("123");
    }

    Map<String, String> actual = lowerCaseKeys(ConditionalHeaders.forRevalidation(stored));
    assertThat(actual).as(id).containsExactlyInAnyOrderEntriesOf(expected);
    for (JsonNode name : expect.get("revalidation_request_must_not_include")) {
      assertThat(actual).as(id).doesNotContainKey(name.asText());
    }
  }

  // ---------------------------------------------------------------- 304 merge

  static Stream<Arguments> mergeVectors() {
    List<Arguments> out = new ArrayList<>();
    for (JsonNode v : ROOT.get("merge_304_vectors")) {
      out.add(Arguments.of(v.get("id").asText(), v));
    }
    return out.stream();
  }

  /**
   * A 304 is applied when {@link CachedHeaders#matchesNotModified} says it belongs to the stored
   * response; then the merged headers must hold the vector's values and give its new TTL.
   *
   * <p>Decisions: we do compare validators on a 304 to our own conditional request (the vectors'
   * reading, RFC 9111 4.3.4). A mismatched ETag, or a 304 without validators for a stored
   * response that has one, leaves the stored headers untouched; the fetcher keeps the cached
   * keys and must not take its freshness from that 304. CachedHeaders keeps only Cache-Control,
   * Expires, Date, Age, Last-Modified and ETag: other headers of the vectors (foo, x-other,
   * test-header, content-length) are neither kept nor replaced, so for them we assert absence
   * (Content-Length in particular can never be overwritten). A 200 is a new response, built
   * from its own headers alone.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("mergeVectors")
  void notModifiedMerge(String id, JsonNode vector) {
    CachedHeaders stored = CachedHeaders.from(headers(vector.get("stored_response")
        .get("headers")));
    JsonNode reval = vector.get("revalidation_response");
    HeaderLookup revalHeaders = headers(reval.get("headers"));
    Instant receivedAt = receivedAt(vector, reval.get("headers"));
    JsonNode expect = vector.get("expect");

    if (reval.get("status").asInt() == 200) {
      assertThat(expect.get("use_stored_body").asBoolean()).isFalse();
      CachedHeaders replacement = CachedHeaders.from(revalHeaders);
      Freshness.Result fresh = Freshness.compute(replacement, 200, receivedAt);
      assertThat(fresh.storable()).isTrue();
      assertThat(fresh.ttl()).as("%s: ttl of the new 200", id)
          .isEqualTo(Duration.ofSeconds(expect.get("ttl_seconds_after").asLong()));
      return;
    }

    boolean updated = expect.get("headers_updated").asBoolean();
    assertThat(stored.matchesNotModified(revalHeaders)).as("%s: selected for update", id)
        .isEqualTo(updated);
    if (!updated) {
      assertThat(expect.get("ttl_seconds_after").isNull()).isTrue();
      return;
    }
    CachedHeaders merged = stored.mergeNotModified(revalHeaders);
    Set<String> kept = Set.of("cache-control", "expires", "date", "age", "last-modified",
        "etag");
    expect.get("headers_after").fields().forEachRemaining(e -> {
      if (kept.contains(e.getKey())) {
        assertThat(merged.values(e.getKey())).as("%s: %s", id, e.getKey()).containsExactly(
            e.getValue().asText());
      } else {
        assertThat(merged.values(e.getKey())).as("%s: %s", id, e.getKey()).isEmpty();
      }
    });
    Freshness.Result after = Freshness.revalidated(merged, receivedAt);
    assertThat(after.storable()).isTrue();
    assertThat(after.ttl()).as("%s: ttl after (%s)", id, after.reason())
        .isEqualTo(Duration.ofSeconds(expect.get("ttl_seconds_after").asLong()));
  }

  // ---------------------------------------------------------------- helpers

  private static void assertExpected(String id, JsonNode expect, Freshness.Result result) {
    assertThat(result.reason()).isNotBlank();
    boolean storable = expect.get("storable").asBoolean();
    assertThat(result.storable()).as("%s: storable (%s)", id, result.reason())
        .isEqualTo(storable);
    if (!storable) {
      assertThat(expect.get("ttl_seconds").isNull()).isTrue();
      assertThat(result.ttl()).isEqualTo(Duration.ZERO);
      return;
    }
    double expectedSeconds = expect.get("ttl_seconds").asDouble();
    double actualSeconds = result.ttl().getSeconds() + result.ttl().getNano() / NANOS;
    if (expect.path("heuristic").asBoolean(false)) {
      assertThat(actualSeconds).as("%s: ttl (%s)", id, result.reason())
          .isCloseTo(expectedSeconds, within(0.999));
    } else {
      assertThat(result.ttl()).as("%s: ttl (%s)", id, result.reason())
          .isEqualTo(Duration.ofSeconds(expect.get("ttl_seconds").asLong()));
    }
  }

  static HeaderLookup headers(JsonNode object) {
    Map<String, List<String>> map = new LinkedHashMap<>();
    object.fields().forEachRemaining(e -> {
      List<String> values = new ArrayList<>();
      if (e.getValue().isArray()) {
        e.getValue().forEach(x -> values.add(x.asText()));
      } else {
        values.add(e.getValue().asText());
      }
      map.put(e.getKey().toLowerCase(Locale.ROOT), List.copyOf(values));
    });
    return name -> map.getOrDefault(name, List.of());
  }

  /** The conventions' receipt time, read with the JDK's RFC 1123 parser, not ours. */
  private static Instant receivedAt(JsonNode vector, JsonNode responseHeaders) {
    if (vector.hasNonNull("received_at")) {
      return rfc1123(vector.get("received_at").asText());
    }
    JsonNode date = responseHeaders.get("date");
    if (date != null && date.isTextual()) {
      Instant parsed = rfc1123(date.asText());
      if (parsed != null) {
        return parsed;
      }
    }
    return T0;
  }

  private static Instant rfc1123(String text) {
    try {
      return ZonedDateTime.parse(text, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  private static Map<String, String> lowerCaseKeys(Map<String, String> in) {
    Map<String, String> out = new LinkedHashMap<>();
    in.forEach((k, v) -> out.put(k.toLowerCase(Locale.ROOT), v));
    return out;
  }

  private static JsonNode load() {
    try (InputStream in = FreshnessVectorsTest.class.getResourceAsStream(
        "/fixtures/freshness-vectors.json")) {
      return new ObjectMapper().readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
