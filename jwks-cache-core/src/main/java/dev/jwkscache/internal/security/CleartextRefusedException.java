package dev.jwkscache.internal.security;

import java.io.IOException;

/**
 * A pinned client was asked for a plain-http URL. Pins can only be checked in a TLS handshake, so
 * a registration that pins keys never talks http, whatever require_https says: otherwise a
 * redirect to http would deliver keys no pin was checked against.
 */
public final class CleartextRefusedException extends IOException implements SecurityRefusal {
  CleartextRefusedException(String url) {
    super("Refused to request " + url + " over plain http: the registration pins TLS keys"
        + " (pinned_spki), which only an https connection can honour; the provider must serve"
        + " (and redirect to) https.");
  }

  @Override
  public String refusalMessage() {
    return getMessage();
  }
}
