package dev.jwkscache.internal.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import okhttp3.Headers;
import org.junit.jupiter.api.Test;

class RetryAfterTest {
  private static final Instant NOW = Instant.parse("2024-01-01T00:00:00Z");

  @Test
  void deltaSeconds() {
    assertThat(RetryAfter.parse(Headers.of("Retry-After", "120"), NOW))
        .isEqualTo(Duration.ofSeconds(120));
    assertThat(RetryAfter.parse(Headers.of("Retry-After", " 0 "), NOW)).isEqualTo(Duration.ZERO);
  }

  @Test
  void hugeDeltaIsCapped() {
    assertThat(RetryAfter.parse(Headers.of("Retry-After", "99999999999999999999999"), NOW))
        .isEqualTo(RetryAfter.MAX);
  }

  @Test
  void httpDateIsMeasuredFromTheResponseDateWhenPresent() {
    Headers h = Headers.of("Date", "Mon, 01 Jan 2024 10:00:00 GMT",
        "Retry-After", "Mon, 01 Jan 2024 10:00:30 GMT");
    assertThat(RetryAfter.parse(h, NOW)).isEqualTo(Duration.ofSeconds(30));
  }

  @Test
  void httpDateIsMeasuredFromNowWithoutADate() {
    Headers h = Headers.of("Retry-After", "Mon, 01 Jan 2024 00:01:00 GMT");
    assertThat(RetryAfter.parse(h, NOW)).isEqualTo(Duration.ofMinutes(1));
  }

  @Test
  void pastDateIsZero() {
    Headers h = Headers.of("Retry-After", "Sun, 31 Dec 2023 00:00:00 GMT");
    assertThat(RetryAfter.parse(h, NOW)).isEqualTo(Duration.ZERO);
  }

  @Test
  void absentOrUnparseableIsNull() {
    assertThat(RetryAfter.parse(Headers.of(), NOW)).isNull();
    assertThat(RetryAfter.parse(Headers.of("Retry-After", "soon"), NOW)).isNull();
    assertThat(RetryAfter.parse(Headers.of("Retry-After", "-5"), NOW)).isNull();
    assertThat(RetryAfter.parse(Headers.of("Retry-After", "1.5"), NOW)).isNull();
  }
}
