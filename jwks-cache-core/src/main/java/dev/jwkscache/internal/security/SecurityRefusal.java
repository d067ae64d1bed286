package dev.jwkscache.internal.security;

/**
 * Marks an exception raised by one of our own security hooks (the address guard or the pin
 * check), as opposed to an ordinary network or TLS failure. {@link SecurityFailures#describe}
 * looks for it in a failure's causes.
 */
public interface SecurityRefusal {
  /** A message for the operator: what was refused and why. */
  String refusalMessage();
}
