package dev.jwkscache;

/** A registration, setting or argument broke a documented rule. {@link #field()} names it. */
public final class ValidationException extends JwksCacheException {
  private final String field;
  private final String reason;

  public ValidationException(String field, String reason) {
    super(field + ": " + reason);
    this.field = field;
    this.reason = reason;
  }

  /** The offending field in snake_case, for example {@code retry_policy.deadline}. */
  public String field() {
    return field;
  }

  /** What is allowed, in one sentence. */
  public String reason() {
    return reason;
  }
}
