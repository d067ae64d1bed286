package dev.jwkscache.server.config;

/** The configuration cannot be used; the message names the key path and the reason. */
public final class ConfigException extends RuntimeException {
  private final String keyPath;

  public ConfigException(String keyPath, String reason) {
    super(keyPath + ": " + reason);
    this.keyPath = keyPath;
  }

  /** Where in the file, e.g. {@code providers[1].retry_policy.deadline}. */
  public String keyPath() {
    return keyPath;
  }
}
