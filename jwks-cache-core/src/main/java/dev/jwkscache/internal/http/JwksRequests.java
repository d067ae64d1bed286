package dev.jwkscache.internal.http;

import okhttp3.HttpUrl;
import okhttp3.Request;

/**
 * Builds the GET request for each hop: identification, the media types we accept, no content
 * coding, and the conditional headers taken from the previously cached response.
 *
 * <p>{@code Accept-Encoding: identity} is set on the request only to stop OkHttp's bridge from
 * adding {@code gzip} and decompressing transparently; {@link StripAcceptEncoding} removes it
 * again before the request is written, so no Accept-Encoding header goes on the wire.
 */
final class JwksRequests {
  static final String ACCEPT = "application/jwk-set+json, application/json";
  static final String USER_AGENT = "jwks-cache/" + version();

  private final String ifNoneMatch;
  private final String ifModifiedSince;

  /** @param previous the cached headers, or null for an unconditional request */
  JwksRequests(CachedHeaders previous) {
    this.ifNoneMatch = previous == null ? null : sendable(previous.etag());
    this.ifModifiedSince = previous == null ? null : sendable(previous.lastModified());
  }

  /** True when the requests carry If-None-Match or If-Modified-Since, so a 304 is expected. */
  boolean conditional() {
    return ifNoneMatch != null || ifModifiedSince != null;
  }

  Request get(HttpUrl url) {
    Request.Builder b = new Request.Builder()
        .url(url)
        .get()
        .header("User-Agent", USER_AGENT)
        .header("Accept", ACCEPT)
        .header("Accept-Encoding", "identity");
    if (ifNoneMatch != null) {
      b.header("If-None-Match", ifNoneMatch);
    }
    if (ifModifiedSince != null) {
      b.header("If-Modified-Since", ifModifiedSince);
    }
    return b.build();
  }

  /**
   * A stored validator as it may be sent back: trimmed, and only when it is a legal header
   * value (a stored ETag with control or non-ASCII characters is not echoed, the request is then
   * simply not conditional on it).
   */
  private static String sendable(String value) {
    if (value == null) {
      return null;
    }
    String v = value.trim();
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

  private static String version() {
    try (java.io.InputStream in =
        JwksRequests.class.getResourceAsStream("/dev/jwkscache/version.properties")) {
      if (in != null) {
        java.util.Properties props = new java.util.Properties();
        props.load(in);
        String v = props.getProperty("version");
        if (v != null && !v.isBlank() && !v.startsWith("${")) {
          return v.trim();
        }
      }
    } catch (java.io.IOException | IllegalArgumentException e) {
      // fall through: a missing version never stops a fetch
    }
    return "dev";
  }
}
