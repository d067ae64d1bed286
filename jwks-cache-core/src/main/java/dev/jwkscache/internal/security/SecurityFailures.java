package dev.jwkscache.internal.security;

/**
 * Recognises, in an exception thrown by OkHttp, a refusal made by our own security hooks (a
 * refused address from the DNS or socket guard, an SPKI pin mismatch in the TLS handshake), so
 * the fetcher can report it as a security violation rather than a fetch failure.
 */
public final class SecurityFailures {
  private SecurityFailures() {
  }

  /**
   * A message describing the security refusal found in {@code failure} or its causes, or null when
   * the failure is not one of ours.
   */
  public static String describe(Throwable failure) {
    return null;
  }
}
