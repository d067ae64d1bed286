package dev.jwkscache;

import java.time.Duration;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * How one fetch is retried: how many retries, how long each attempt may take, how long to wait
 * between attempts, and the deadline that bounds the whole sequence.
 *
 * @param maxRetries retries after the first attempt (0 = a single attempt)
 * @param attemptTimeout bound on one HTTP attempt, connect to last body byte; at least 100 ms
 * @param initialBackoff delay before the first retry; greater than zero
 * @param maxBackoff cap on the exponential growth; at least {@code initialBackoff}
 * @param deadline bound on the whole sequence, backoffs included; at least {@code attemptTimeout}
 * @param jitter randomisation of each delay
 */
public record RetryPolicy(int maxRetries, Duration attemptTimeout, Duration initialBackoff,
    Duration maxBackoff, Duration deadline, JitterStrategy jitter) {

  static final Duration MIN_ATTEMPT_TIMEOUT = Duration.ofMillis(100);
  private static final Duration MAX_NANOS = Duration.ofNanos(Long.MAX_VALUE);

  /** Two retries, 3 s attempts, 250 ms to 2 s backoff with full jitter, 8 s deadline. */
  public static final RetryPolicy DEFAULT = new RetryPolicy(2, Duration.ofSeconds(3),
      Duration.ofMillis(250), Duration.ofSeconds(2), Duration.ofSeconds(8), JitterStrategy.FULL);

  /** Validates every rule; a violation is a {@link ValidationException} naming the field. */
  public RetryPolicy {
    if (maxRetries < 0) {
      throw new ValidationException("retry_policy.max_retries", "Must be zero or more.");
    }
    requireNonNull(attemptTimeout, "retry_policy.attempt_timeout");
    requireNonNull(initialBackoff, "retry_policy.initial_backoff");
    requireNonNull(maxBackoff, "retry_policy.max_backoff");
    requireNonNull(deadline, "retry_policy.deadline");
    if (jitter == null) {
      throw new ValidationException("retry_policy.jitter",
          "Must be one of none, full, decorrelated.");
    }
    if (attemptTimeout.compareTo(MIN_ATTEMPT_TIMEOUT) < 0) {
      throw new ValidationException("retry_policy.attempt_timeout", "Must be at least 100 ms.");
    }
    if (initialBackoff.isNegative() || initialBackoff.isZero()) {
      throw new ValidationException("retry_policy.initial_backoff", "Must be greater than zero.");
    }
    if (maxBackoff.compareTo(initialBackoff) < 0) {
      throw new ValidationException("retry_policy.max_backoff",
          "Must be greater than or equal to initial_backoff (" + initialBackoff + ").");
    }
    if (deadline.compareTo(attemptTimeout) < 0) {
      throw new ValidationException("retry_policy.deadline",
          "Must be greater than or equal to attempt_timeout (" + attemptTimeout + ").");
    }
  }

  private static void requireNonNull(Duration value, String field) {
    if (value == null) {
      throw new ValidationException(field, "Must be set.");
    }
  }

  /** A builder starting from {@link #DEFAULT}. */
  public static Builder builder() {
    return new Builder(DEFAULT);
  }

  /** A builder starting from this policy. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /**
   * The delay before retry number {@code attempt + 1} (attempt 0 is the delay after the first
   * failure): {@code initialBackoff * 2^attempt}, kept within [initialBackoff, maxBackoff], then
   * jittered.
   */
  public Duration backoff(int attempt, RandomGenerator random) {
    Objects.requireNonNull(random, "random");
    long initial = saturatedNanos(initialBackoff);
    long max = saturatedNanos(maxBackoff);
    int exponent = Math.max(0, Math.min(attempt, 32));
    // initial * 2^exponent saturates at Long.MAX_VALUE instead of overflowing.
    long base = initial > (Long.MAX_VALUE >> exponent) ? Long.MAX_VALUE : initial << exponent;
    long bounded = Math.max(Math.min(base, max), initial);
    long nanos = switch (jitter) {
      case NONE -> bounded;
      case FULL -> within(Math.max((long) (bounded * 0.8), initial), Math.min(bounded, max), random);
      case DECORRELATED -> {
        long previous = attempt == 0 ? initial : bounded;
        long ceiling = Math.min(max, saturatedTimes3(previous));
        yield within(initial, Math.max(ceiling, initial), random);
      }
    };
    return Duration.ofNanos(nanos);
  }

  /** {@link #backoff(int, RandomGenerator)}, never longer than {@code remaining}. */
  public Duration backoff(int attempt, Duration remaining, RandomGenerator random) {
    Duration delay = backoff(attempt, random);
    if (remaining.isNegative()) {
      return Duration.ZERO;
    }
    return delay.compareTo(remaining) > 0 ? remaining : delay;
  }

  /** Nanoseconds, or Long.MAX_VALUE (about 292 years) for anything longer. */
  private static long saturatedNanos(Duration d) {
    return d.compareTo(MAX_NANOS) >= 0 ? Long.MAX_VALUE : d.toNanos();
  }

  private static long saturatedTimes3(long value) {
    return value > Long.MAX_VALUE / 3 ? Long.MAX_VALUE : value * 3;
  }

  private static long within(long min, long max, RandomGenerator random) {
    if (max <= min) {
      return max;
    }
    return min + random.nextLong(max - min + 1);
  }

  /** Builds a {@link RetryPolicy}; {@link #build()} validates. */
  public static final class Builder {
    private int maxRetries;
    private Duration attemptTimeout;
    private Duration initialBackoff;
    private Duration maxBackoff;
    private Duration deadline;
    private JitterStrategy jitter;

    private Builder(RetryPolicy from) {
      this.maxRetries = from.maxRetries;
      this.attemptTimeout = from.attemptTimeout;
      this.initialBackoff = from.initialBackoff;
      this.maxBackoff = from.maxBackoff;
      this.deadline = from.deadline;
      this.jitter = from.jitter;
    }

    public Builder maxRetries(int value) {
      this.maxRetries = value;
      return this;
    }

    public Builder attemptTimeout(Duration value) {
      this.attemptTimeout = value;
      return this;
    }

    public Builder initialBackoff(Duration value) {
      this.initialBackoff = value;
      return this;
    }

    public Builder maxBackoff(Duration value) {
      this.maxBackoff = value;
      return this;
    }

    public Builder deadline(Duration value) {
      this.deadline = value;
      return this;
    }

    public Builder jitter(JitterStrategy value) {
      this.jitter = value;
      return this;
    }

    public RetryPolicy build() {
      return new RetryPolicy(maxRetries, attemptTimeout, initialBackoff, maxBackoff, deadline,
          jitter);
    }
  }
}
