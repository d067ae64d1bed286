package dev.jwkscache;

/**
 * Root of every exception the public API throws. Callers branch on the concrete type:
 *
 * <ul>
 *   <li>{@link ValidationException}: a registration or argument broke a rule (names the field);</li>
 *   <li>{@link SecurityViolationException}: a request was refused by a security rule;</li>
 *   <li>{@link NotRegisteredException}: the tenant/provider pair is not registered;</li>
 *   <li>{@link UpstreamStatusException}: the JWKS endpoint answered with an unusable status;</li>
 *   <li>{@link FetchFailureException}: the fetch itself failed (timeout, connection, DNS, TLS);</li>
 *   <li>{@link InvalidJwksException}: the upstream body is not a usable JWK set (or is too large);</li>
 *   <li>{@link KeyNotFoundException}: no key with the requested kid;</li>
 *   <li>{@link PersistenceException}: a snapshot store failed or held a bad snapshot;</li>
 *   <li>{@link RegistryClosedException}: the registry was closed.</li>
 * </ul>
 *
 * <p>No other exception type escapes the public API.
 */
public abstract sealed class JwksCacheException extends RuntimeException
    permits ValidationException, SecurityViolationException, NotRegisteredException,
        UpstreamStatusException, FetchFailureException, InvalidJwksException,
        KeyNotFoundException, PersistenceException, RegistryClosedException {

  protected JwksCacheException(String message) {
    super(message);
  }

  protected JwksCacheException(String message, Throwable cause) {
    super(message, cause);
  }

  /** For answers that are expected in bulk (an unknown kid): no stack trace is captured. */
  protected JwksCacheException(String message, Throwable cause, boolean captureStackTrace) {
    super(message, cause, true, captureStackTrace);
  }
}
