package dev.jwkscache.internal.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jwkscache.FetchFailureException;
import dev.jwkscache.FetchFailureException.Kind;
import dev.jwkscache.InvalidJwksException;
import dev.jwkscache.JitterStrategy;
import dev.jwkscache.JwksCacheException;
import dev.jwkscache.RetryPolicy;
import dev.jwkscache.SecurityViolationException;
import dev.jwkscache.UpstreamStatusException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The retry loop with scripted attempts, no network. */
class RetrySequenceTest {
  private static final RetryPolicy POLICY = RetryPolicy.builder().maxRetries(3)
      .attemptTimeout(Duration.ofMillis(500)).initialBackoff(Duration.ofMillis(5))
      .maxBackoff(Duration.ofMillis(10)).deadline(Duration.ofSeconds(2))
      .jitter(JitterStrategy.NONE).build();
  private static final FetchResult OK = new FetchResult.NotModified(CachedHeaders.NONE,
      Instant.EPOCH, Duration.ofSeconds(30), "test");

  @ParameterizedTest
  @ValueSource(ints = {408, 429, 500, 502, 503, 504, 599})
  void retryableStatuses(int status) {
    assertThat(RetrySequence.retryable(new UpstreamStatusException(status, "u", ""))).isTrue();
  }

  @ParameterizedTest
  @ValueSource(ints = {304, 400, 401, 403, 404, 410, 418, 451})
  void finalStatuses(int status) {
    assertThat(RetrySequence.retryable(new UpstreamStatusException(status, "u", ""))).isFalse();
  }

  @Test
  void failureKinds() {
    assertThat(RetrySequence.retryable(failure(Kind.TIMEOUT))).isTrue();
    assertThat(RetrySequence.retryable(failure(Kind.CONNECTION))).isTrue();
    assertThat(RetrySequence.retryable(failure(Kind.DNS))).isTrue();
    assertThat(RetrySequence.retryable(failure(Kind.TLS))).isFalse();
    assertThat(RetrySequence.retryable(failure(Kind.INTERRUPTED))).isFalse();
    assertThat(RetrySequence.retryable(new InvalidJwksException("u", "bad"))).isFalse();
    assertThat(RetrySequence.retryable(new SecurityViolationException("no"))).isFalse();
  }

  @Test
  void attemptsAreBoundedByMaxRetries() {
    List<Duration> budgets = new ArrayList<>();
    assertThatThrownBy(() -> RetrySequence.run(POLICY, new Random(1), "u", (deadline, budget) -> {
      budgets.add(budget);
      throw failure(Kind.CONNECTION);
    })).isExactlyInstanceOf(FetchFailureException.class);
    assertThat(budgets).hasSize(4).allSatisfy(b -> assertThat(b).isEqualTo(
        Duration.ofMillis(500)));
  }

  @Test
  void eachAttemptGetsAtMostTheTimeLeftBeforeTheDeadline() {
    RetryPolicy tight = POLICY.toBuilder().attemptTimeout(Duration.ofMillis(300))
        .deadline(Duration.ofMillis(500)).maxRetries(5).build();
    List<Duration> budgets = new ArrayList<>();
    assertThatThrownBy(() -> RetrySequence.run(tight, new Random(1), "u", (deadline, budget) -> {
      budgets.add(budget);
      sleepUntil(deadline);
      throw failure(Kind.TIMEOUT);
    })).isExactlyInstanceOf(FetchFailureException.class);
    assertThat(budgets).hasSizeBetween(2, 3);
    assertThat(budgets.get(0)).isEqualTo(Duration.ofMillis(300));
    assertThat(budgets.get(1)).isLessThan(Duration.ofMillis(200))
        .isGreaterThanOrEqualTo(RetrySequence.MIN_ATTEMPT);
  }

  @Test
  void succeedsAfterRetryableFailures() {
    int[] calls = {0};
    FetchResult result = RetrySequence.run(POLICY, new Random(1), "u", (deadline, budget) -> {
      if (calls[0]++ < 2) {
        throw new UpstreamStatusException(503, "u", "");
      }
      return OK;
    });
    assertThat(result).isSameAs(OK);
    assertThat(calls[0]).isEqualTo(3);
  }

  @Test
  void nonRetryableFailureEndsTheSequence() {
    int[] calls = {0};
    assertThatThrownBy(() -> RetrySequence.run(POLICY, new Random(1), "u", (deadline, budget) -> {
      calls[0]++;
      throw new InvalidJwksException("u", "bad");
    })).isExactlyInstanceOf(InvalidJwksException.class);
    assertThat(calls[0]).isEqualTo(1);
  }

  @Test
  void retryAfterLeavingTooLittleTimeEndsTheSequenceAtOnce() {
    int[] calls = {0};
    long start = System.nanoTime();
    assertThatThrownBy(() -> RetrySequence.run(POLICY, new Random(1), "u", (deadline, budget) -> {
      calls[0]++;
      throw new UpstreamStatusException(429, "u", "", Duration.ofMillis(1950));
    })).isExactlyInstanceOf(UpstreamStatusException.class);
    assertThat(calls[0]).isEqualTo(1);
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(1000);
  }

  @Test
  void retryAfterIsIgnoredOnOtherStatuses() {
    int[] calls = {0};
    assertThatThrownBy(() -> RetrySequence.run(POLICY, new Random(1), "u", (deadline, budget) -> {
      calls[0]++;
      throw new UpstreamStatusException(500, "u", "", Duration.ofHours(1));
    })).isExactlyInstanceOf(UpstreamStatusException.class);
    assertThat(calls[0]).isEqualTo(4);
  }

  private static JwksCacheException failure(Kind kind) {
    return new FetchFailureException(kind, "u", kind.name(), null);
  }

  private static void sleepUntil(long deadlineNanos) {
    long left = deadlineNanos - System.nanoTime();
    if (left > 0) {
      try {
        TimeUnit.NANOSECONDS.sleep(left);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
