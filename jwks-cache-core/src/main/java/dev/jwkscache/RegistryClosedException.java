package dev.jwkscache;

/** The registry was closed; create a new one. */
public final class RegistryClosedException extends JwksCacheException {
  public RegistryClosedException() {
    super("The JWKS registry is closed; no further calls are accepted");
  }
}
