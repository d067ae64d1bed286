package dev.jwkscache.internal.http;

import dev.jwkscache.FetchFailureException;
import dev.jwkscache.JwksCacheException;
import dev.jwkscache.RetryPolicy;
import dev.jwkscache.UpstreamStatusException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs attempts under a {@link RetryPolicy}: each attempt gets {@code attempt_timeout}, never more
 * than the time left before the {@code deadline} (measured with {@link System#nanoTime()});
 * failures that can heal are retried up to {@code max_retries} times with the policy's backoff
 * between them; a {@code Retry-After} on 429/503 is waited for when it fits before the deadline
 * and ends the sequence at once when it does not. The last failure is thrown.
 */
final class RetrySequence {
  /** A retry is not started with less time than this left before the deadline. */
  static final Duration MIN_ATTEMPT = Duration.ofMillis(100);

  private static final Logger LOG = LoggerFactory.getLogger(RetrySequence.class);

  /** One attempt, which must finish by {@code deadlineNanos} (a {@code System.nanoTime()}). */
  @FunctionalInterface
  interface Attempt {
    FetchResult run(long deadlineNanos, Duration budget);
  }

  private RetrySequence() {
  }

  static FetchResult run(RetryPolicy policy, RandomGenerator random, String url, Attempt attempt) {
    long start = System.nanoTime();
    long deadline = start + policy.deadline().toNanos();
    long attemptTimeout = policy.attemptTimeout().toNanos();
    for (int retry = 0; ; retry++) {
      if (Thread.currentThread().isInterrupted()) {
        throw IoFailures.interrupted(url, null);
      }
      long now = System.nanoTime();
      long budget = Math.min(attemptTimeout, deadline - now);
      JwksCacheException failure;
      try {
        return attempt.run(now + budget, Duration.ofNanos(budget));
      } catch (JwksCacheException e) {
        failure = e;
      }
      if (!retryable(failure) || retry >= policy.maxRetries()) {
        throw failure;
      }
      long remaining = deadline - System.nanoTime();
      Duration delay = policy.backoff(retry, Duration.ofNanos(Math.max(0, remaining)), random);
      Duration retryAfter = failure instanceof UpstreamStatusException u
          && (u.status() == 429 || u.status() == 503) ? u.retryAfter().orElse(null) : null;
      if (retryAfter != null) {
        if (retryAfter.toNanos() > remaining - MIN_ATTEMPT.toNanos()) {
          LOG.debug("{} asked to retry after {} s, past the retry deadline; giving up now", url,
              retryAfter.toSeconds());
          throw failure; // it carries retryAfter, so the next background attempt can wait
        }
        if (retryAfter.compareTo(delay) > 0) {
          delay = retryAfter;
        }
      }
      if (remaining - delay.toNanos() < MIN_ATTEMPT.toNanos()) {
        throw failure; // no time left for a meaningful retry before the deadline
      }
      LOG.debug("Attempt {} for {} failed ({}); retrying in {} ms", retry + 1, url,
          failure.getMessage(), delay.toMillis());
      sleep(delay, url);
    }
  }

  /** What can heal within seconds: timeouts, connection and DNS failures, 5xx, 408 and 429. */
  static boolean retryable(JwksCacheException e) {
    if (e instanceof FetchFailureException f) {
      return switch (f.kind()) {
        case TIMEOUT, CONNECTION, DNS -> true;
        case TLS, INTERRUPTED -> false;
      };
    }
    if (e instanceof UpstreamStatusException u) {
      return u.status() >= 500 || u.status() == 408 || u.status() == 429;
    }
    return false;
  }

  private static void sleep(Duration delay, String url) {
    try {
      TimeUnit.NANOSECONDS.sleep(delay.toNanos());
    } catch (InterruptedException e) {
      throw IoFailures.interrupted(url, e);
    }
  }
}
