package dev.jwkscache;

/**
 * The upstream response is not a usable JWK set: not JSON, no {@code keys} array, no key that
 * parses, too deeply nested, or larger than {@code max_response_bytes}. Never retried.
 */
public final class InvalidJwksException extends JwksCacheException {
  private final String url;

  public InvalidJwksException(String url, String message) {
    super(message);
    this.url = url;
  }

  public InvalidJwksException(String url, String message, Throwable cause) {
    super(message, cause);
    this.url = url;
  }

  public String url() {
    return url;
  }
}
