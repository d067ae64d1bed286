package dev.jwkscache.internal.security;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * The address guard refused a resolved address. An {@link UnknownHostException} because that is
 * what OkHttp's {@code Dns} hook may throw; it is raised by the socket guard too, so that both
 * hooks report one type.
 */
public final class RefusedAddressException extends UnknownHostException implements SecurityRefusal {
  private final String host;
  private final String address;

  RefusedAddressException(String host, InetAddress address, String reason) {
    super(message(host, address == null ? null : address.getHostAddress(), reason));
    this.host = host;
    this.address = address == null ? null : address.getHostAddress();
  }

  private static String message(String host, String address, String reason) {
    StringBuilder b = new StringBuilder("Refused to connect to ");
    if (host != null && !host.equals(address)) {
      b.append("host '").append(host).append("' at ");
    }
    b.append(address == null ? "an unresolved address" : address).append(": ").append(reason);
    b.append('.');
    return b.toString();
  }

  /** The host name as requested (may be the address itself). */
  public String host() {
    return host;
  }

  /** The refused address, as text. */
  public String address() {
    return address;
  }

  @Override
  public String refusalMessage() {
    return getMessage();
  }
}
