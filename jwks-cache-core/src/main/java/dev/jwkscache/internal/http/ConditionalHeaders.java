package dev.jwkscache.internal.http;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** The validators a refresh of a cached JWKS sends (RFC 9111 section 4.3.1). */
public final class ConditionalHeaders {
  public static final String IF_NONE_MATCH = "If-None-Match";
  public static final String IF_MODIFIED_SINCE = "If-Modified-Since";

  private ConditionalHeaders() {
  }

  /**
   * The conditional request headers for revalidating {@code stored}, in sending order:
   * {@code If-None-Match} with the stored ETag exactly as received (a weak {@code W/} tag
   * included: a GET uses weak comparison), then {@code If-Modified-Since} with the stored
   * Last-Modified exactly as received. Both are sent when both exist; the origin gives
   * If-None-Match precedence.
   *
   * <p>A validator is left out when it is blank, when it holds a character outside visible ASCII
   * and tab (an HTTP client refuses such a request header value, which would fail the refresh),
   * and, for Last-Modified, when it is not an HTTP-date (the origin must ignore an invalid
   * If-Modified-Since anyway). Empty for null or validator-less headers: an unconditional fetch.
   */
  public static Map<String, String> forRevalidation(CachedHeaders stored) {
    Map<String, String> out = new LinkedHashMap<>();
    if (stored == null) {
      return Collections.unmodifiableMap(out);
    }
    String etag = sendable(stored.etag());
    if (etag != null) {
      out.put(IF_NONE_MATCH, etag);
    }
    String lastModified = sendable(stored.lastModified());
    if (lastModified != null && HttpDates.isValid(lastModified)) {
      out.put(IF_MODIFIED_SINCE, lastModified);
    }
    return Collections.unmodifiableMap(out);
  }

  private static String sendable(String value) {
    if (value == null) {
      return null;
    }
    String v = HttpDates.trimOws(value);
    if (v.isEmpty()) {
      return null;
    }
    for (int i = 0; i < v.length(); i++) {
      char c = v.charAt(i);
      if (c != '\t' && (c < 0x20 || c > 0x7e)) {
        return null;
      }
    }
    return v;
  }
}
