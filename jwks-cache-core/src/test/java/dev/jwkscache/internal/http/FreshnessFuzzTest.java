package dev.jwkscache.internal.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Hostile header values, generated from a fixed seed so that a failure is reproducible: nothing
 * in the freshness path may throw, and every result must stay within its contract.
 */
class FreshnessFuzzTest {
  private static final long SEED = 0x5EED_2024L;
  private static final int ROUNDS = 20_000;
  private static final Duration MIN = Duration.ofSeconds(30);
  private static final Duration MAX = Duration.ofHours(24);
  private static final String[] NAMES = {"cache-control", "expires", "date", "age",
      "last-modified", "etag", "pragma"};
  private static final String[] FRAGMENTS = {"max-age", "MAX-AGE", "=", "\"", "'", ",", " ",
      "\t", "\\", "no-store", "no-cache", "public", "private", "s-maxage", "must-revalidate",
      "0", "1", "-1", "60", "2147483648", "99999999999999999999999999999", "abc", "GMT", "W/",
      "Mon, 01 Jan 2024 00:00:00 GMT", "Thursday, 18-Aug-50 02:01:18 GMT",
      "Thu Aug  8 02:01:18 2050", "Feb", "29", "60:60:60", "\u0000", "\r\n", "\u00ff",
      "\uD800", "\u017F", "\u212A", "日本", "６０", "=\"", "\",", ";", "%", "null"};
  private static final String[] VALID_DATES = {"Mon, 01 Jan 2024 00:00:00 GMT",
      "Thursday, 18-Aug-50 02:01:18 GMT", "Thu Aug  8 02:01:18 2050",
      "Thu, 29 Feb 2024 23:59:60 GMT"};
  private static final int[] STATUSES = {Integer.MIN_VALUE, -1, 0, 99, 100, 199, 200, 203, 204,
      206, 301, 302, 304, 404, 412, 429, 500, 503, 599, 600, 1000, Integer.MAX_VALUE};
  private static final Instant[] RECEIPTS = {Instant.MIN, Instant.EPOCH,
      Instant.parse("2024-01-01T00:00:00Z"), Instant.parse("9999-12-31T23:59:59Z"),
      Instant.MAX};

  @Test
  void hostileHeadersNeverBreakTheFreshnessPath() {
    SplittableRandom random = new SplittableRandom(SEED);
    int storedCount = 0;
    for (int round = 0; round < ROUNDS; round++) {
      HeaderLookup response = randomHeaders(random);
      int status = STATUSES[random.nextInt(STATUSES.length)];
      Instant receivedAt = random.nextInt(4) == 0 ? RECEIPTS[random.nextInt(RECEIPTS.length)]
          : Instant.ofEpochSecond(random.nextLong(-62_000_000_000L, 253_000_000_000L),
              random.nextInt(1_000_000_000));
      String context = "round " + round + " of seed " + SEED;

      Freshness.Result result = Freshness.compute(response, status, receivedAt);
      assertThat(result).as(context).isNotNull();
      assertThat(result.ttl()).as(context).isNotNull();
      assertThat(result.ttl().isNegative()).as(context).isFalse();
      assertThat(result.reason()).as(context).isNotBlank().doesNotContain("\n", "\r");
      if (!result.storable()) {
        assertThat(result.ttl()).as(context).isZero();
      } else {
        storedCount++;
      }
      Duration clamped = Freshness.clamp(result, MIN, MAX);
      assertThat(clamped).as(context).isBetween(MIN, MAX);

      CachedHeaders stored = CachedHeaders.from(response);
      HeaderLookup notModified = randomHeaders(random);
      stored.matchesNotModified(notModified);
      CachedHeaders merged = stored.mergeNotModified(notModified);
      assertThat(Freshness.revalidated(merged, receivedAt).ttl().isNegative()).as(context)
          .isFalse();

      Map<String, String> conditional = ConditionalHeaders.forRevalidation(merged);
      // The real HTTP client must accept what we send, or every refresh would fail.
      okhttp3.Headers.Builder builder = new okhttp3.Headers.Builder();
      conditional.forEach(builder::add);
      assertThat(builder.build().size()).as(context).isEqualTo(conditional.size());
    }
    // The generator must reach both verdicts, or the loop proves little.
    assertThat(storedCount).isBetween(ROUNDS / 20, ROUNDS - ROUNDS / 20);
  }

  @Test
  void mutatedDatesNeverThrow() {
    SplittableRandom random = new SplittableRandom(SEED + 1);
    int valid = 0;
    for (int round = 0; round < ROUNDS; round++) {
      char[] text = VALID_DATES[random.nextInt(VALID_DATES.length)].toCharArray();
      int edits = 1 + random.nextInt(3);
      for (int e = 0; e < edits; e++) {
        text[random.nextInt(text.length)] = (char) random.nextInt(0x20, 0x80);
      }
      Instant parsed = HttpDates.parse(new String(text), RECEIPTS[random.nextInt(
          RECEIPTS.length)]);
      if (parsed != null) {
        valid++;
        assertThat(parsed).isBetween(Instant.parse("0000-01-01T00:00:00Z"),
            Instant.parse("9999-12-31T23:59:59Z").plusSeconds(1));
      }
    }
    // Some edits (a digit for a digit, a letter's case) keep the date valid; most do not.
    assertThat(valid).isBetween(1, ROUNDS / 2);
  }

  @Test
  void longAndDeeplyQuotedValuesParseInLinearTime() {
    String longDigits = "max-age=" + "9".repeat(200_000);
    String manyMembers = ",".repeat(100_000) + "max-age=7";
    String manyQuotes = "a=\"" + "\\\"".repeat(50_000) + "\", max-age=8";
    assertThat(Freshness.compute(FreshnessTest.headers("cache-control", longDigits), 200,
        Instant.EPOCH).ttl()).isEqualTo(Duration.ofSeconds(2_147_483_648L));
    assertThat(Freshness.compute(FreshnessTest.headers("cache-control", manyMembers), 200,
        Instant.EPOCH).ttl()).isEqualTo(Duration.ofSeconds(7));
    assertThat(Freshness.compute(FreshnessTest.headers("cache-control", manyQuotes), 200,
        Instant.EPOCH).ttl()).isEqualTo(Duration.ofSeconds(8));
  }

  @Test
  void aLookupThatReturnsNullListsIsTreatedAsEmpty() {
    HeaderLookup broken = name -> null;
    Freshness.Result r = Freshness.compute(broken, 200, Instant.EPOCH);
    assertThat(r.storable()).isTrue();
    assertThat(r.ttl()).isZero();
    assertThat(Freshness.compute(null, 200, Instant.EPOCH).reason())
        .isEqualTo("no freshness information");
  }

  private static HeaderLookup randomHeaders(SplittableRandom random) {
    Map<String, List<String>> map = new HashMap<>();
    int names = random.nextInt(NAMES.length + 1);
    for (int i = 0; i < names; i++) {
      String name = NAMES[random.nextInt(NAMES.length)];
      int lines = 1 + (random.nextInt(4) == 0 ? random.nextInt(3) : 0);
      List<String> values = map.computeIfAbsent(name, k -> new ArrayList<>());
      for (int l = 0; l < lines; l++) {
        values.add(randomValue(random));
      }
    }
    return name -> map.getOrDefault(name, List.of());
  }

  private static String randomValue(SplittableRandom random) {
    int kind = random.nextInt(10);
    if (kind == 0) {
      return VALID_DATES[random.nextInt(VALID_DATES.length)];
    }
    StringBuilder sb = new StringBuilder();
    int parts = random.nextInt(12);
    for (int p = 0; p < parts; p++) {
      if (random.nextInt(8) == 0) {
        sb.append((char) random.nextInt(0, 0x3000));
      } else {
        sb.append(FRAGMENTS[random.nextInt(FRAGMENTS.length)]);
      }
    }
    return sb.toString();
  }
}
