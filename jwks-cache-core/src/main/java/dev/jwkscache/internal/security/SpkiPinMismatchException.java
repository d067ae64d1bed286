package dev.jwkscache.internal.security;

import java.security.cert.CertificateException;
import java.util.List;

/**
 * The server's certificate chain passed the normal checks, but none of its keys is in the
 * registration's pin set. Thrown from the trust manager, so the TLS handshake fails and no byte of
 * the request is sent; names the host and every SPKI digest the server's chain carried, so an
 * operator can see what changed.
 */
public final class SpkiPinMismatchException extends CertificateException implements SecurityRefusal {
  private final String host;
  private final List<String> presentedPins;
  private final List<String> configuredPins;

  SpkiPinMismatchException(String host, List<String> presentedPins, List<String> presentedLabels,
      List<String> configuredPins) {
    super(message(host, presentedLabels, configuredPins));
    this.host = host;
    this.presentedPins = List.copyOf(presentedPins);
    this.configuredPins = List.copyOf(configuredPins);
  }

  private static String message(String host, List<String> presented, List<String> configured) {
    return "SPKI pin mismatch for " + host + ": no key in the server's verified certificate chain"
        + " is in pinned_spki. Chain presented (leaf first): " + String.join(", ", presented)
        + ". Pinned: " + String.join(", ", configured)
        + ". If the provider rotated its certificate keys, update pinned_spki.";
  }

  /** host:port as the client asked for it. */
  public String host() {
    return host;
  }

  /** Standard base64 SHA-256 SPKI digests of the verified chain, leaf first. */
  public List<String> presentedPins() {
    return presentedPins;
  }

  /** The pins that were expected (standard base64). */
  public List<String> configuredPins() {
    return configuredPins;
  }

  @Override
  public String refusalMessage() {
    return getMessage();
  }
}
