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

  private final java.util.Map<String, String> conditional;

  /** @param previous the cached headers, or null for an unconditional request */
  JwksRequests(CachedHeaders previous) {
    this.conditional = ConditionalHeaders.forRevalidation(previous);
  }

  /** True when the requests carry If-None-Match or If-Modified-Since, so a 304 is expected. */
  boolean conditional() {
    return !conditional.isEmpty();
  }

  Request get(HttpUrl url) {
    Request.Builder b = new Request.Builder()
        .url(url)
        .get()
        .header("User-Agent", USER_AGENT)
        .header("Accept", ACCEPT)
        .header("Accept-Encoding", "identity");
    conditional.forEach(b::header);
    return b.build();
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
