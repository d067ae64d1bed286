package dev.jwkscache;

/** How a retry backoff is randomised (see {@link RetryPolicy#backoff}). */
public enum JitterStrategy {
  /** The exponential schedule as computed, no randomness. */
  NONE,
  /** A uniform value between 80 % of the scheduled delay and the delay itself. */
  FULL,
  /** A uniform value between the initial backoff and three times the scheduled delay. */
  DECORRELATED
}
