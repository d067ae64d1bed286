package dev.jwkscache.internal.http;

import java.util.List;

/**
 * The response headers a cached JWKS keeps for freshness and revalidation: Cache-Control lines,
 * Expires, Date, Age, Last-Modified and ETag, exactly as received (raw strings, null/empty when
 * absent). Immutable.
 *
 * @param cacheControl every Cache-Control field line, in order
 */
public record CachedHeaders(List<String> cacheControl, String expires, String date, String age,
    String lastModified, String etag) implements HeaderLookup {

  public CachedHeaders {
    cacheControl = List.copyOf(cacheControl);
  }

  public static final CachedHeaders NONE = new CachedHeaders(List.of(), null, null, null, null,
      null);

  /** Captures the relevant lines of a response. */
  public static CachedHeaders from(HeaderLookup response) {
    return new CachedHeaders(response.values("cache-control"), response.first("expires"),
        response.first("date"), response.first("age"), response.first("last-modified"),
        response.first("etag"));
  }

  /**
   * RFC 9111 section 4.3.4: the headers after a 304. Each header the 304 carries replaces the
   * stored one; headers it omits keep their stored values.
   */
  public CachedHeaders mergeNotModified(HeaderLookup notModified) {
    List<String> cc = notModified.values("cache-control");
    return new CachedHeaders(cc.isEmpty() ? cacheControl : cc,
        or(notModified.first("expires"), expires), or(notModified.first("date"), date),
        // Age describes the 304 itself; a stored Age must not age the refreshed entry again.
        notModified.first("age"),
        or(notModified.first("last-modified"), lastModified), or(notModified.first("etag"), etag));
  }

  private static String or(String a, String b) {
    return a != null ? a : b;
  }

  @Override
  public List<String> values(String lowerCaseName) {
    if ("cache-control".equals(lowerCaseName)) {
      return cacheControl;
    }
    String v = switch (lowerCaseName) {
      case "expires" -> expires;
      case "date" -> date;
      case "age" -> age;
      case "last-modified" -> lastModified;
      case "etag" -> etag;
      default -> null;
    };
    return v == null ? List.of() : List.of(v);
  }
}
