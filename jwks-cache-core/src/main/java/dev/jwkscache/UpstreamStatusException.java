package dev.jwkscache;

/** The JWKS endpoint answered with a status we cannot use (anything but 200 and 304). */
public final class UpstreamStatusException extends JwksCacheException {
  private final int status;
  private final String url;
  private final String bodyExcerpt;
  private final java.time.Duration retryAfter;

  public UpstreamStatusException(int status, String url, String bodyExcerpt) {
    this(status, url, bodyExcerpt, null);
  }

  /** {@code retryAfter} is the server's Retry-After (429/503), or null. */
  public UpstreamStatusException(int status, String url, String bodyExcerpt,
      java.time.Duration retryAfter) {
    super("JWKS endpoint " + url + " answered HTTP " + status
        + (bodyExcerpt == null || bodyExcerpt.isEmpty() ? "" : ": " + bodyExcerpt)
        + hint(status));
    this.status = status;
    this.url = url;
    this.bodyExcerpt = bodyExcerpt == null ? "" : bodyExcerpt;
    this.retryAfter = retryAfter;
  }

  /** The delay the server asked for with Retry-After, if it sent one we could parse. */
  public java.util.Optional<java.time.Duration> retryAfter() {
    return java.util.Optional.ofNullable(retryAfter);
  }

  private static String hint(int status) {
    if (status == 404 || status == 410) {
      return " (check the registration's jwks_url)";
    }
    if (status == 401 || status == 403) {
      return " (the endpoint must be public; check the URL and any proxy in between)";
    }
    return "";
  }

  public int status() {
    return status;
  }

  public String url() {
    return url;
  }

  /** The first bytes of the response body, sanitised for logs; empty when there was none. */
  public String bodyExcerpt() {
    return bodyExcerpt;
  }
}
