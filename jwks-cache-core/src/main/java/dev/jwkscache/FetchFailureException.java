package dev.jwkscache;

/** The fetch did not produce a response: timeout, connection, DNS or TLS failure. */
public final class FetchFailureException extends JwksCacheException {
  /** What went wrong, for callers and metrics that branch on it. */
  public enum Kind { TIMEOUT, CONNECTION, DNS, TLS, INTERRUPTED }

  private final Kind kind;
  private final String url;

  public FetchFailureException(Kind kind, String url, String message, Throwable cause) {
    super(message, cause);
    this.kind = kind;
    this.url = url;
  }

  public Kind kind() {
    return kind;
  }

  public String url() {
    return url;
  }
}
