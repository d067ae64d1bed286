package dev.jwkscache;

/** The tenant/provider pair is not (or no longer) registered. */
public final class NotRegisteredException extends JwksCacheException {
  private final String tenantId;
  private final String providerId;

  public NotRegisteredException(String tenantId, String providerId) {
    super("No provider '" + providerId + "' is registered for tenant '" + tenantId
        + "'; register it first with Registry.register(...)");
    this.tenantId = tenantId;
    this.providerId = providerId;
  }

  public String tenantId() {
    return tenantId;
  }

  public String providerId() {
    return providerId;
  }
}
