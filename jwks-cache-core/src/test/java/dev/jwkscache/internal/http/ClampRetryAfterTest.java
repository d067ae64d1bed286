package dev.jwkscache.internal.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ClampRetryAfterTest {
  @ParameterizedTest
  @CsvSource({
      "0, false", "120, false", "2147483647, false", "02147483647, false",
      "000000000000000000005, false", "2147483648, true", "99999999999999999999, true",
      "'', false", "-1, false", "1e9, false", "'Fri, 31 Dec 9999 23:59:59 GMT', false"})
  void onlyAllDigitValuesBeyondIntAreClamped(String value, boolean clamped) {
    assertThat(ClampRetryAfter.overflowsInt(value)).isEqualTo(clamped);
    if (!clamped && value.matches("\\d+")) {
      // what OkHttp does with the header of a 503: must not throw
      assertThat(Integer.valueOf(value)).isNotNegative();
    }
  }
}
