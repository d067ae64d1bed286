package dev.jwkscache;

/**
 * A request was refused by a security rule: plain http where https is required, a host outside
 * an allowlist, too many redirects, a refused network address, or an SPKI pin mismatch.
 * Never retried.
 */
public final class SecurityViolationException extends JwksCacheException {
  public SecurityViolationException(String message) {
    super(message);
  }

  public SecurityViolationException(String message, Throwable cause) {
    super(message, cause);
  }
}
