package dev.jwkscache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

class RetryPolicyTest {
  private static final long SEED = 42;
  private static final int DRAWS = 5_000;
  private static final Duration INITIAL = Duration.ofMillis(250);
  private static final Duration MAX = Duration.ofSeconds(2);

  private static RetryPolicy withJitter(JitterStrategy jitter) {
    return RetryPolicy.builder().jitter(jitter).build();
  }

  private static void assertRefused(RetryPolicy.Builder builder, String field,
      String reasonContains) {
    assertThatThrownBy(builder::build).isInstanceOfSatisfying(ValidationException.class, e -> {
      assertThat(e.field()).isEqualTo(field);
      assertThat(e.reason()).contains(reasonContains);
    });
  }

  // ---------------------------------------------------------------- defaults and rules

  @Test
  void defaultsAreTheDocumentedOnes() {
    RetryPolicy p = RetryPolicy.DEFAULT;
    assertThat(p.maxRetries()).isEqualTo(2);
    assertThat(p.attemptTimeout()).isEqualTo(Duration.ofSeconds(3));
    assertThat(p.initialBackoff()).isEqualTo(INITIAL);
    assertThat(p.maxBackoff()).isEqualTo(MAX);
    assertThat(p.deadline()).isEqualTo(Duration.ofSeconds(8));
    assertThat(p.jitter()).isEqualTo(JitterStrategy.FULL);
    assertThat(RetryPolicy.builder().build()).isEqualTo(RetryPolicy.DEFAULT);
    assertThat(RetryPolicy.DEFAULT.toBuilder().build()).isEqualTo(RetryPolicy.DEFAULT);
  }

  @Test
  void maxRetriesIsZeroOrMore() {
    assertThat(RetryPolicy.builder().maxRetries(0).build().maxRetries()).isZero();
    assertRefused(RetryPolicy.builder().maxRetries(-1), "retry_policy.max_retries",
        "zero or more");
  }

  @Test
  void attemptTimeoutIsAtLeast100Millis() {
    assertThat(RetryPolicy.builder().attemptTimeout(Duration.ofMillis(100)).build()
        .attemptTimeout()).isEqualTo(Duration.ofMillis(100));
    assertRefused(RetryPolicy.builder().attemptTimeout(Duration.ofMillis(99)),
        "retry_policy.attempt_timeout", "at least 100 ms");
  }

  @Test
  void initialBackoffIsPositive() {
    assertThat(RetryPolicy.builder().initialBackoff(Duration.ofNanos(1)).build()
        .initialBackoff()).isEqualTo(Duration.ofNanos(1));
    assertRefused(RetryPolicy.builder().initialBackoff(Duration.ZERO),
        "retry_policy.initial_backoff", "greater than zero");
    assertRefused(RetryPolicy.builder().initialBackoff(Duration.ofMillis(-1)),
        "retry_policy.initial_backoff", "greater than zero");
  }

  @Test
  void maxBackoffIsAtLeastInitialBackoff() {
    assertThat(RetryPolicy.builder().maxBackoff(INITIAL).build().maxBackoff())
        .isEqualTo(INITIAL);
    assertRefused(RetryPolicy.builder().maxBackoff(INITIAL.minusNanos(1)),
        "retry_policy.max_backoff", "greater than or equal to initial_backoff");
  }

  @Test
  void deadlineIsAtLeastAttemptTimeout() {
    Duration timeout = Duration.ofSeconds(3);
    assertThat(RetryPolicy.builder().deadline(timeout).build().deadline()).isEqualTo(timeout);
    assertRefused(RetryPolicy.builder().deadline(timeout.minusMillis(1)),
        "retry_policy.deadline", "greater than or equal to attempt_timeout");
  }

  @Test
  void everyFieldMustBeSet() {
    assertRefused(RetryPolicy.builder().attemptTimeout(null), "retry_policy.attempt_timeout",
        "Must be set");
    assertRefused(RetryPolicy.builder().initialBackoff(null), "retry_policy.initial_backoff",
        "Must be set");
    assertRefused(RetryPolicy.builder().maxBackoff(null), "retry_policy.max_backoff",
        "Must be set");
    assertRefused(RetryPolicy.builder().deadline(null), "retry_policy.deadline", "Must be set");
    assertRefused(RetryPolicy.builder().jitter(null), "retry_policy.jitter",
        "none, full, decorrelated");
  }

  // ---------------------------------------------------------------- NONE

  @Test
  void noJitterDoublesFromInitialUpToMax() {
    RetryPolicy p = withJitter(JitterStrategy.NONE);
    RandomGenerator random = new SplittableRandom(SEED);
    List<Long> millis = new ArrayList<>();
    for (int attempt = 0; attempt < 7; attempt++) {
      millis.add(p.backoff(attempt, random).toMillis());
    }
    assertThat(millis).containsExactly(250L, 500L, 1000L, 2000L, 2000L, 2000L, 2000L);
  }

  @Test
  void noJitterIgnoresTheGenerator() {
    RetryPolicy p = withJitter(JitterStrategy.NONE);
    for (int attempt = 0; attempt < 5; attempt++) {
      assertThat(p.backoff(attempt, new SplittableRandom(1)))
          .isEqualTo(p.backoff(attempt, new SplittableRandom(2)));
    }
  }

  @Test
  void aNegativeAttemptIsTreatedAsTheFirst() {
    assertThat(withJitter(JitterStrategy.NONE).backoff(-5, new SplittableRandom(SEED)))
        .isEqualTo(INITIAL);
  }

  // ---------------------------------------------------------------- FULL

  @Test
  void fullJitterOnTheFirstAttemptIsFlooredAtInitialBackoff() {
    // 80 % of 250 ms is below initial_backoff, so the range collapses to 250 ms exactly.
    RetryPolicy p = withJitter(JitterStrategy.FULL);
    RandomGenerator random = new SplittableRandom(SEED);
    for (int i = 0; i < DRAWS; i++) {
      assertThat(p.backoff(0, random)).isEqualTo(INITIAL);
    }
  }

  @ParameterizedTest(name = "attempt {0}: [{1}, {2}] ms")
  @CsvSource({"1,400,500", "2,800,1000", "3,1600,2000", "4,1600,2000", "30,1600,2000"})
  void fullJitterStaysBetween80PercentAndTheScheduledDelay(int attempt, long lowMillis,
      long highMillis) {
    assertSpread(withJitter(JitterStrategy.FULL), attempt, Duration.ofMillis(lowMillis),
        Duration.ofMillis(highMillis));
  }

  // ---------------------------------------------------------------- DECORRELATED

  @ParameterizedTest(name = "attempt {0}: [250, {1}] ms")
  @CsvSource({"0,750", "1,1500", "2,2000", "3,2000", "30,2000"})
  void decorrelatedJitterStaysBetweenInitialAndThreeTimesThePreviousDelay(int attempt,
      long highMillis) {
    assertSpread(withJitter(JitterStrategy.DECORRELATED), attempt, INITIAL,
        Duration.ofMillis(highMillis));
  }

  @ParameterizedTest
  @EnumSource(JitterStrategy.class)
  void theSameSeedGivesTheSameDelays(JitterStrategy jitter) {
    RetryPolicy p = withJitter(jitter);
    RandomGenerator a = new SplittableRandom(SEED);
    RandomGenerator b = new SplittableRandom(SEED);
    for (int attempt = 0; attempt < 50; attempt++) {
      assertThat(p.backoff(attempt % 6, a)).isEqualTo(p.backoff(attempt % 6, b));
    }
  }

  @Test
  void otherGeneratorsWorkToo() {
    RandomGenerator l64 = RandomGenerator.of("L64X128MixRandom");
    Duration d = withJitter(JitterStrategy.DECORRELATED).backoff(1, l64);
    assertThat(d).isBetween(INITIAL, Duration.ofMillis(1500));
  }

  // ---------------------------------------------------------------- saturation

  @ParameterizedTest
  @EnumSource(JitterStrategy.class)
  void hugeAttemptNumbersSaturateAtMaxBackoff(JitterStrategy jitter) {
    RetryPolicy p = withJitter(jitter);
    RandomGenerator random = new SplittableRandom(SEED);
    for (int attempt : new int[] {31, 32, 33, 63, 64, 1_000, Integer.MAX_VALUE}) {
      Duration d = p.backoff(attempt, random);
      assertThat(d).isBetween(INITIAL, MAX);
      if (jitter == JitterStrategy.NONE) {
        assertThat(d).isEqualTo(MAX);
      }
    }
  }

  @Test
  void doublingIsExactUpToTheLargestNanosecondValue() {
    // initial * 2^22 = 2^62 ns still fits in a long; one more doubling saturates.
    RetryPolicy p = RetryPolicy.builder().jitter(JitterStrategy.NONE)
        .initialBackoff(Duration.ofNanos(1L << 40)).maxBackoff(Duration.ofNanos(Long.MAX_VALUE))
        .deadline(Duration.ofNanos(Long.MAX_VALUE)).build();
    RandomGenerator random = new SplittableRandom(SEED);
    assertThat(p.backoff(21, random)).isEqualTo(Duration.ofNanos(1L << 61));
    assertThat(p.backoff(22, random)).isEqualTo(Duration.ofNanos(1L << 62));
    assertThat(p.backoff(23, random)).isEqualTo(Duration.ofNanos(Long.MAX_VALUE));
  }

  @ParameterizedTest
  @EnumSource(JitterStrategy.class)
  void durationsBeyondTheNanosecondRangeDoNotOverflow(JitterStrategy jitter) {
    Duration thousandYears = Duration.ofDays(365_000);
    RetryPolicy p = RetryPolicy.builder().jitter(jitter).initialBackoff(Duration.ofDays(1))
        .maxBackoff(thousandYears).deadline(thousandYears).build();
    RandomGenerator random = new SplittableRandom(SEED);
    for (int attempt : new int[] {0, 1, 20, 40, Integer.MAX_VALUE}) {
      assertThat(p.backoff(attempt, random)).isBetween(Duration.ofDays(1), thousandYears);
      assertThat(p.backoff(attempt, Duration.ofSeconds(5), random))
          .isEqualTo(Duration.ofSeconds(5));
    }
  }

  // ---------------------------------------------------------------- bounded by the time left

  @ParameterizedTest
  @EnumSource(JitterStrategy.class)
  void backoffNeverExceedsTheTimeLeft(JitterStrategy jitter) {
    RetryPolicy p = withJitter(jitter);
    RandomGenerator random = new SplittableRandom(SEED);
    Duration remaining = Duration.ofMillis(700);
    for (int i = 0; i < DRAWS; i++) {
      int attempt = i % 8;
      Duration d = p.backoff(attempt, remaining, random);
      assertThat(d).isBetween(Duration.ZERO, remaining);
    }
  }

  @Test
  void timeLeftCutsOnlyWhenShorter() {
    RetryPolicy p = withJitter(JitterStrategy.NONE);
    RandomGenerator random = new SplittableRandom(SEED);
    assertThat(p.backoff(3, Duration.ofMillis(700), random)).isEqualTo(Duration.ofMillis(700));
    assertThat(p.backoff(3, Duration.ofSeconds(10), random)).isEqualTo(MAX);
    assertThat(p.backoff(0, Duration.ofMillis(250), random)).isEqualTo(INITIAL);
    assertThat(p.backoff(0, Duration.ZERO, random)).isZero();
    assertThat(p.backoff(0, Duration.ofMillis(-1), random)).isZero();
  }

  /**
   * Every draw lies in [low, high], and the draws reach both ends of the range (within 5 % of
   * its width), so a constant or a narrower range would fail.
   */
  private static void assertSpread(RetryPolicy policy, int attempt, Duration low,
      Duration high) {
    RandomGenerator random = new SplittableRandom(SEED);
    Duration seenMin = null;
    Duration seenMax = null;
    for (int i = 0; i < DRAWS; i++) {
      Duration d = policy.backoff(attempt, random);
      assertThat(d).isBetween(low, high);
      seenMin = seenMin == null || d.compareTo(seenMin) < 0 ? d : seenMin;
      seenMax = seenMax == null || d.compareTo(seenMax) > 0 ? d : seenMax;
    }
    Duration slack = high.minus(low).dividedBy(20);
    assertThat(seenMin).isLessThanOrEqualTo(low.plus(slack));
    assertThat(seenMax).isGreaterThanOrEqualTo(high.minus(slack));
  }
}
