package dev.jwkscache.internal.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Clamp boundaries, reasons, and parser cases the vectors do not pin down. */
class FreshnessTest {
  private static final Instant T0 = Instant.parse("2024-01-01T00:00:00Z");
  private static final Duration MIN = Duration.ofSeconds(30);
  private static final Duration MAX = Duration.ofHours(24);

  // ---------------------------------------------------------------- clamp

  @Test
  void clampGivesMinTtlWhenNotStorable() {
    Freshness.Result r = new Freshness.Result(false, Duration.ofHours(1), "no-store");
    assertThat(Freshness.clamp(r, MIN, MAX)).isEqualTo(MIN);
  }

  @Test
  void clampGivesMinTtlForZeroTtl() {
    assertThat(Freshness.clamp(fresh(Duration.ZERO), MIN, MAX)).isEqualTo(MIN);
  }

  @Test
  void clampRaisesJustBelowMinAndKeepsJustAbove() {
    assertThat(Freshness.clamp(fresh(MIN.minusMillis(1)), MIN, MAX)).isEqualTo(MIN);
    assertThat(Freshness.clamp(fresh(MIN), MIN, MAX)).isEqualTo(MIN);
    assertThat(Freshness.clamp(fresh(MIN.plusMillis(1)), MIN, MAX))
        .isEqualTo(MIN.plusMillis(1));
  }

  @Test
  void clampKeepsMaxAndLowersAnythingAbove() {
    assertThat(Freshness.clamp(fresh(MAX), MIN, MAX)).isEqualTo(MAX);
    assertThat(Freshness.clamp(fresh(MAX.plusNanos(1)), MIN, MAX)).isEqualTo(MAX);
    assertThat(Freshness.clamp(fresh(Duration.ofSeconds(2_147_483_648L)), MIN, MAX))
        .isEqualTo(MAX);
  }

  @Test
  void clampWithEqualBoundsAlwaysGivesThatValue() {
    for (Duration ttl : List.of(Duration.ZERO, Duration.ofSeconds(1), MIN, MAX)) {
      assertThat(Freshness.clamp(fresh(ttl), MIN, MIN)).isEqualTo(MIN);
    }
  }

  @Test
  void clampOfARealComputation() {
    Freshness.Result google = Freshness.compute(
        headers("cache-control", "public, max-age=21532, must-revalidate", "age", "5"), 200, T0);
    assertThat(Freshness.clamp(google, MIN, MAX)).isEqualTo(Duration.ofSeconds(21527));
    assertThat(Freshness.clamp(google, MIN, Duration.ofHours(1))).isEqualTo(Duration.ofHours(1));
  }

  // ---------------------------------------------------------------- reasons

  @Test
  void reasonNamesMaxAgeAndAge() {
    Freshness.Result r = Freshness.compute(headers("date", "Sat, 12 Nov 2022 19:33:44 GMT",
        "cache-control", "public, max-age=21532, must-revalidate, no-transform", "age", "5",
        "expires", "Sun, 13 Nov 2022 01:32:36 GMT"), 200,
        Instant.parse("2022-11-12T19:33:44Z"));
    assertThat(r.reason()).isEqualTo("max-age=21532 minus Age 5");
    assertThat(r.ttl()).isEqualTo(Duration.ofSeconds(21527));
  }

  @Test
  void reasonNamesExpiresMinusDate() {
    Freshness.Result r = Freshness.compute(headers("date", "Mon, 01 Jan 2024 00:00:00 GMT",
        "expires", "Mon, 01 Jan 2024 01:00:00 GMT"), 200, T0);
    assertThat(r.reason()).isEqualTo("Expires − Date");
    assertThat(r.ttl()).isEqualTo(Duration.ofHours(1));
  }

  @Test
  void reasonNamesTheHeuristic() {
    Freshness.Result r = Freshness.compute(headers("date", "Mon, 01 Jan 2024 00:00:00 GMT",
        "last-modified", "Sun, 31 Dec 2023 00:00:00 GMT"), 200, T0);
    assertThat(r.reason()).isEqualTo("heuristic: 10% of Date − Last-Modified");
    assertThat(r.ttl()).isEqualTo(Duration.ofMinutes(144));
  }

  @Test
  void reasonForNoStoreAndForNothing() {
    assertThat(Freshness.compute(headers("cache-control", "no-store, max-age=60"), 200, T0)
        .reason()).isEqualTo("no-store");
    Freshness.Result none = Freshness.compute(headers(), 200, T0);
    assertThat(none.reason()).isEqualTo("no freshness information");
    assertThat(none.storable()).isTrue();
    assertThat(none.ttl()).isZero();
  }

  @Test
  void reasonNamesApparentAgeWhenItExceedsAge() {
    Freshness.Result r = Freshness.compute(headers("date", "Mon, 01 Jan 2024 00:00:00 GMT",
        "cache-control", "max-age=100", "age", "5"), 200, T0.plusSeconds(30));
    assertThat(r.ttl()).isEqualTo(Duration.ofSeconds(70));
    assertThat(r.reason()).isEqualTo("max-age=100 minus apparent age 30 s (receipt − Date)");
  }

  @Test
  void noCacheKeepsTheResponseWithZeroTtlAndSaysSo() {
    Freshness.Result r = Freshness.compute(headers("cache-control", "no-cache, max-age=600"),
        200, T0);
    assertThat(r.storable()).isTrue();
    assertThat(r.ttl()).isZero();
    assertThat(r.reason()).startsWith("no-cache");
    assertThat(Freshness.clamp(r, MIN, MAX)).isEqualTo(MIN);
  }

  @Test
  void fieldQualifiedNoCacheDoesNotTouchTheBodysLifetime() {
    Freshness.Result r = Freshness.compute(
        headers("cache-control", "no-cache=\"Set-Cookie, X-Foo\", max-age=600"), 200, T0);
    assertThat(r.ttl()).isEqualTo(Duration.ofSeconds(600));
    // An empty qualifier names no field: treated as a plain no-cache, the cautious reading.
    assertThat(Freshness.compute(headers("cache-control", "no-cache=\"\", max-age=600"), 200, T0)
        .ttl()).isZero();
  }

  @Test
  void revalidatedReadsMergedHeadersAsTheStored200() {
    CachedHeaders merged = new CachedHeaders(List.of("max-age=300"), null,
        "Mon, 01 Jan 2024 00:00:00 GMT", null, null, "\"v1\"");
    assertThat(Freshness.compute(merged, 304, T0).storable()).isFalse();
    Freshness.Result r = Freshness.revalidated(merged, T0);
    assertThat(r.storable()).isTrue();
    assertThat(r.ttl()).isEqualTo(Duration.ofSeconds(300));
  }

  // ---------------------------------------------------------------- Cache-Control parsing

  @ParameterizedTest(name = "[{0}] -> {1}")
  @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
      "max-age=60|60",
      "MAX-AGE=60|60",
      "max-age=60, max-age=3600|60",
      "max-age=0060|60",
      "max-age = 60|60",
      "max-age=\"60\"|60",
      "a=\"x, max-age=9\", max-age=60|60",
      "a=\"x\\\" max-age=9\", max-age=60|60",
      "max-age=abc|0",
      "max-age=-60|0",
      "max-age=60.5|0",
      "max-age=60 s|0",
      "max-age 60|0",
      "max-age=|0",
      "max-age|0",
      "max-age=\"60|0",
      "max-age=\"60\"x|0",
      "max-age='60'|0",
      "max-age=+60|0",
      "max-age=６０|0",
      "max-age=99999999999999999999999999999999999999|2147483648",
      "s-maxage=60|0",
      "x-max-age=60|0",
      "max-agex=60|0"
  })
  void maxAgeParsing(String cacheControl, long expectedTtl) {
    Freshness.Result r = Freshness.compute(headers("cache-control", cacheControl), 200, T0);
    assertThat(r.storable()).isTrue();
    assertThat(r.ttl()).isEqualTo(Duration.ofSeconds(expectedTtl));
  }

  @Test
  void invalidMaxAgeWinsOverAValidExpires() {
    Freshness.Result r = Freshness.compute(headers("cache-control", "max-age=abc",
        "date", "Mon, 01 Jan 2024 00:00:00 GMT", "expires", "Mon, 01 Jan 2024 01:00:00 GMT"),
        200, T0);
    assertThat(r.ttl()).isZero();
    assertThat(r.reason()).contains("invalid max-age");
  }

  @ParameterizedTest
  @ValueSource(strings = {"no-store", "NO-STORE", "  no-store  ", "public,no-store",
      "max-age=5, no-store=\"x\"", "no-store junk", "a=\"unterminated, no-store"})
  void noStoreIsFoundWhereverItIs(String cacheControl) {
    boolean expectStore = cacheControl.startsWith("a=\"unterminated");
    assertThat(Freshness.compute(headers("cache-control", cacheControl), 200, T0).storable())
        .as("inside an unterminated quoted string no-store is text, not a directive")
        .isEqualTo(expectStore);
  }

  @Test
  void directivesSpreadOverSeveralLines() {
    Freshness.Result r = Freshness.compute(headersLines("cache-control",
        List.of("public", "", "max-age=120", "no-store")), 200, T0);
    assertThat(r.storable()).isFalse();
    assertThat(Freshness.compute(headersLines("cache-control",
        List.of("public", "max-age=120")), 200, T0).ttl()).isEqualTo(Duration.ofSeconds(120));
  }

  @Test
  void nonAsciiLookalikesAreNotDirectives() {
    // U+017F (long s) upper-cases to 'S', so String.equalsIgnoreCase("no-\u017Ftore",
    // "no-store") is true; directive names are compared in ASCII only.
    Freshness.Result r = Freshness.compute(headers("cache-control", "no-\u017Ftore, max-age=5"),
        200, T0);
    assertThat(r.storable()).isTrue();
    assertThat(r.ttl()).isEqualTo(Duration.ofSeconds(5));
    assertThat(CacheControl.asciiLower("NO-STORE\u0130")).isEqualTo("no-store\u0130");
  }

  // ---------------------------------------------------------------- HTTP dates

  @Test
  void threeFormsOfTheSameInstant() {
    Instant expected = Instant.parse("1994-11-06T08:49:37Z");
    Instant ref = T0;
    assertThat(HttpDates.parse("Sun, 06 Nov 1994 08:49:37 GMT", ref)).isEqualTo(expected);
    assertThat(HttpDates.parse("Sunday, 06-Nov-94 08:49:37 GMT", ref)).isEqualTo(expected);
    assertThat(HttpDates.parse("Sun Nov  6 08:49:37 1994", ref)).isEqualTo(expected);
    assertThat(HttpDates.parse("  Sun, 06 Nov 1994 08:49:37 GMT\t", ref)).isEqualTo(expected);
  }

  @ParameterizedTest(name = "{0} read in {1} -> {2}")
  @CsvSource({"74,2024,2074", "75,2024,1975", "00,2024,2000", "24,2024,2024", "99,2024,1999",
      "10,2090,2110", "40,2090,2140", "41,2090,2041", "50,2000,2050", "51,2000,1951"})
  void twoDigitYearsFollowTheFiftyYearRule(int yy, int referenceYear, int expected) {
    assertThat(HttpDates.fullYear(yy, referenceYear)).isEqualTo(expected);
  }

  @Test
  void rfc850YearDependsOnTheReceiptTime() {
    String text = "Thursday, 18-Aug-75 02:01:18 GMT";
    assertThat(HttpDates.parse(text, T0)).isEqualTo(Instant.parse("1975-08-18T02:01:18Z"));
    assertThat(HttpDates.parse(text, Instant.parse("2030-01-01T00:00:00Z")))
        .isEqualTo(Instant.parse("2075-08-18T02:01:18Z"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"Thu, 29 Feb 2024 00:00:00 GMT", "Tue, 29 Feb 2000 00:00:00 GMT",
      "Mon, 31 Dec 9999 23:59:59 GMT", "Sat, 01 Jan 0000 00:00:00 GMT",
      "Thu, 31 Dec 2015 23:59:60 GMT"})
  void validEdgeDates(String text) {
    assertThat(HttpDates.parse(text, T0)).isNotNull();
  }

  @Test
  void leapSecondRollsOverToTheNextMinute() {
    assertThat(HttpDates.parse("Thu, 31 Dec 2015 23:59:60 GMT", T0))
        .isEqualTo(Instant.parse("2016-01-01T00:00:00Z"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"Wed, 29 Feb 2023 00:00:00 GMT", "Thu, 29 Feb 1900 00:00:00 GMT",
      "Mon, 31 Apr 2024 00:00:00 GMT", "Mon, 00 Jan 2024 00:00:00 GMT",
      "Mon, 01 Jan 2024 24:00:00 GMT", "Mon, 01 Jan 2024 00:60:00 GMT",
      "Mon, 01 Jan 2024 00:00:61 GMT", "Mon, 01 Foo 2024 00:00:00 GMT",
      "Xyz, 01 Jan 2024 00:00:00 GMT", "Mon, 01 Jan 2024 00:00:00 GMX",
      "Mon, ０1 Jan 2024 00:00:00 GMT", "\u017Fun, 06 Nov 1994 08:49:37 GMT",
      "Sunday, 06-Nov-1994 08:49:37 GMT", "Sun, 06-Nov-94 08:49:37 GMT",
      "Sun Nov 6 08:49:37 1994", "Sun Nov  6 08:49:37 1994 GMT", "", "   ", "0", "-1",
      "2024-01-01T00:00:00Z", "Mon, 01 Jan 2024 00:00:00 +0000"})
  void invalidDates(String text) {
    assertThat(HttpDates.parse(text, T0)).isNull();
  }

  @Test
  void formatWritesImfFixdate() {
    assertThat(HttpDates.format(Instant.parse("1994-11-06T08:49:37.900Z")))
        .isEqualTo("Sun, 06 Nov 1994 08:49:37 GMT");
  }

  @Test
  void extremeReceiptTimesStillParse() {
    String text = "Thursday, 18-Aug-50 02:01:18 GMT";
    assertThat(HttpDates.parse(text, Instant.MAX)).isNotNull();
    assertThat(HttpDates.parse(text, Instant.MIN)).isNotNull();
  }

  // ---------------------------------------------------------------- 304 and revalidation

  @Test
  void a304WithoutDateCountsTheLifetimeFromItsReceipt() {
    CachedHeaders stored = new CachedHeaders(List.of("max-age=3600"), null,
        "Mon, 01 Jan 2024 00:00:00 GMT", null, null, "\"v1\"");
    Instant twoHoursLater = T0.plus(Duration.ofHours(2));
    CachedHeaders merged = stored.mergeNotModified(headers("etag", "\"v1\""));

    assertThat(stored.matchesNotModified(headers("etag", "\"v1\""))).isTrue();
    assertThat(merged.date()).isNull();
    assertThat(Freshness.revalidated(merged, twoHoursLater).ttl())
        .isEqualTo(Duration.ofHours(1));
    // Keeping the stored Date would have made the refreshed entry two hours old, hence stale.
    assertThat(Freshness.revalidated(stored, twoHoursLater).ttl()).isZero();
  }

  @Test
  void a304ReplacesAgeAndDropsTheStoredOne() {
    CachedHeaders stored = new CachedHeaders(List.of("max-age=100"), null, null, "90", null,
        "\"v1\"");
    CachedHeaders merged = stored.mergeNotModified(headers("etag", "\"v1\""));
    assertThat(merged.age()).isNull();
    assertThat(Freshness.revalidated(merged, T0).ttl()).isEqualTo(Duration.ofSeconds(100));
  }

  @ParameterizedTest(name = "stored {0}, 304 {1} -> {2}")
  @CsvSource(delimiter = '|', value = {
      "\"a\"|\"a\"|true",
      "W/\"a\"|W/\"a\"|true",
      "\"a\"|W/\"a\"|true",
      "W/\"a\"|\"a\"|false",
      "\"a\"|\"b\"|false",
      "\"a\"|w/\"a\"|false"})
  void etagSelection(String storedTag, String newTag, boolean selected) {
    CachedHeaders stored = new CachedHeaders(List.of(), null, null, null, null, storedTag);
    assertThat(stored.matchesNotModified(headers("etag", newTag))).isEqualTo(selected);
  }

  @Test
  void lastModifiedSelectionComparesDates() {
    CachedHeaders stored = new CachedHeaders(List.of(), null, null, null,
        "Sun, 06 Nov 1994 08:49:37 GMT", null);
    assertThat(stored.matchesNotModified(headers("last-modified",
        "Sunday, 06-Nov-94 08:49:37 GMT"))).isTrue();
    assertThat(stored.matchesNotModified(headers("last-modified",
        "Sun, 06 Nov 1994 08:49:38 GMT"))).isFalse();
    assertThat(stored.matchesNotModified(headers("etag", "\"x\""))).isFalse();
    assertThat(stored.matchesNotModified(headers())).isFalse();
    assertThat(CachedHeaders.NONE.matchesNotModified(headers())).isTrue();
  }

  @Test
  void conditionalHeadersOrderAndVerbatimValues() {
    CachedHeaders stored = new CachedHeaders(List.of(), null, null, null,
        "Sunday, 06-Nov-94 08:49:37 GMT", "W/\"abc\"");
    Map<String, String> h = ConditionalHeaders.forRevalidation(stored);
    assertThat(new ArrayList<>(h.keySet())).containsExactly("If-None-Match",
        "If-Modified-Since");
    assertThat(h).containsEntry("If-None-Match", "W/\"abc\"")
        .containsEntry("If-Modified-Since", "Sunday, 06-Nov-94 08:49:37 GMT");
  }

  @Test
  void vagueOrUnsendableValidatorsAreLeftOut() {
    assertThat(ConditionalHeaders.forRevalidation(null)).isEmpty();
    assertThat(ConditionalHeaders.forRevalidation(CachedHeaders.NONE)).isEmpty();
    assertThat(ConditionalHeaders.forRevalidation(new CachedHeaders(List.of(), null, null, null,
        "yesterday", "  "))).isEmpty();
    assertThat(ConditionalHeaders.forRevalidation(new CachedHeaders(List.of(), null, null, null,
        null, "\"caf\u00e9\""))).isEmpty();
    assertThat(ConditionalHeaders.forRevalidation(new CachedHeaders(List.of(), null, null, null,
        null, "\"a\u0000b\""))).isEmpty();
  }

  @Test
  void varyStarDoesNotStopUsFromSendingTheEtag() {
    // Our requests never vary, so the stored ETag stays a valid validator (see the vectors test).
    CachedHeaders stored = CachedHeaders.from(headers("cache-control", "max-age=111",
        "vary", "*", "etag", "\"123\""));
    assertThat(ConditionalHeaders.forRevalidation(stored)).containsOnly(
        Map.entry("If-None-Match", "\"123\""));
  }

  // ---------------------------------------------------------------- helpers

  private static Freshness.Result fresh(Duration ttl) {
    return new Freshness.Result(true, ttl, "test");
  }

  /** Header name/value pairs; a repeated name adds a line. */
  static HeaderLookup headers(String... nameValues) {
    Map<String, List<String>> map = new LinkedHashMap<>();
    for (int i = 0; i < nameValues.length; i += 2) {
      map.computeIfAbsent(nameValues[i], k -> new ArrayList<>()).add(nameValues[i + 1]);
    }
    return name -> map.getOrDefault(name, List.of());
  }

  private static HeaderLookup headersLines(String name, List<String> lines) {
    return n -> n.equals(name) ? lines : List.of();
  }
}
