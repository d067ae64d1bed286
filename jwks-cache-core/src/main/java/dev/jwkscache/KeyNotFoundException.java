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
    this(tenantId, providerId, kid, detail, cause, true);
  }

  private KeyNotFoundException(String tenantId, String providerId, String kid, String detail,
      Throwable cause, boolean captureStackTrace) {
    super("No key with kid '" + kid + "' for tenant '" + tenantId + "', provider '" + providerId
        + "'" + (detail == null ? "" : ": " + detail), cause, captureStackTrace);
    this.tenantId = tenantId;
    this.providerId = providerId;
    this.kid = kid;
  }

  /**
   * A not-found answered from the cache alone (inside the unknown-kid cooldown): a flood of junk
   * kids must cost little, and the stack trace of such an answer says nothing.
   */
  public static KeyNotFoundException withoutStackTrace(String tenantId, String providerId,
      String kid, String detail) {
    return new KeyNotFoundException(tenantId, providerId, kid, detail, null, false);
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
