package dev.jwkscache;

/**
 * No key with the requested kid. When the refresh made to look for it failed, that failure is
 * the cause.
 */
public final class KeyNotFoundException extends JwksCacheException {
  private final String tenantId;
  private final String providerId;
  private final String kid;

  public KeyNotFoundException(String tenantId, String providerId, String kid, String detail,
      Throwable cause) {
    super("No key with kid '" + kid + "' for tenant '" + tenantId + "', provider '" + providerId
        + "'" + (detail == null ? "" : ": " + detail), cause);
    this.tenantId = tenantId;
    this.providerId = providerId;
    this.kid = kid;
  }

  public String tenantId() {
    return tenantId;
  }

  public String providerId() {
    return providerId;
  }

  public String kid() {
    return kid;
  }
}
