package dev.jwkscache;

/** A snapshot store failed, or a stored snapshot was refused (corrupt, foreign, or badly sealed). */
public final class PersistenceException extends JwksCacheException {
  public PersistenceException(String message) {
    super(message);
  }

  public PersistenceException(String message, Throwable cause) {
    super(message, cause);
  }
}
