package dev.jwkscache.internal.http;

import java.time.Instant;
import java.util.List;

/**
 * The response headers a cached JWKS keeps for freshness and revalidation: Cache-Control lines,
 * Expires, Date, Age, Last-Modified and ETag, as received (raw strings, null/empty when absent;
 * {@link #from} notes the few translations). No other header is kept. Immutable.
 *
 * <p>After a 304: {@link #matchesNotModified} decides whether it applies, {@link
 * #mergeNotModified} builds the new headers, and {@link Freshness#revalidated} gives their TTL.
 *
 * @param cacheControl every Cache-Control field line, in order
 */
public record CachedHeaders(List<String> cacheControl, String expires, String date, String age,
    String lastModified, String etag) implements HeaderLookup {

  public CachedHeaders {
    cacheControl = cacheControl == null ? List.of() : List.copyOf(cacheControl);
  }

  public static final CachedHeaders NONE = new CachedHeaders(List.of(), null, null, null, null,
      null);

  /**
   * Captures the relevant lines of a response. Three translations keep {@link Freshness} giving
   * the same verdict on the captured headers as on the response itself: several Expires lines
   * are joined into one value (which is then not an HTTP-date, so the response is stale either
   * way), Age lines are joined as a list (the first member decides either way), and {@code
   * Pragma: no-cache} without any Cache-Control line is kept as {@code no-cache}.
   */
  public static CachedHeaders from(HeaderLookup response) {
    return new CachedHeaders(cacheControlOf(response), joined(response, "expires"),
        first(response, "date"), joined(response, "age"), first(response, "last-modified"),
        first(response, "etag"));
  }

  /**
   * RFC 9111 section 4.3.4: the headers after a 304. Each header the 304 carries replaces the
   * stored one; headers it omits keep their stored values, except Date and Age, which describe
   * the message they came in. Callers check {@link #matchesNotModified} first.
   */
  public CachedHeaders mergeNotModified(HeaderLookup notModified) {
    List<String> cc = cacheControlOf(notModified);
    String newExpires = joined(notModified, "expires");
    return new CachedHeaders(cc.isEmpty() ? cacheControl : cc,
        newExpires == null ? expires : newExpires,
        // A recipient adds a Date at receipt when a message has none (RFC 9110 section 6.6.1),
        // and Freshness reads a missing Date as the receipt time. Keeping the stored Date would
        // age the revalidated entry by the time since the original 200.
        first(notModified, "date"),
        // Age describes the 304 itself; a stored Age must not age the refreshed entry again.
        joined(notModified, "age"),
        or(first(notModified, "last-modified"), lastModified),
        or(first(notModified, "etag"), etag));
  }

  /**
   * Whether a 304 applies to this stored response (RFC 9111 section 4.3.4, for a cache holding
   * one response): when the 304 has an ETag, the stored ETag must match it (strong comparison
   * for a strong tag, weak for a weak one); otherwise when it has a Last-Modified, the stored
   * Last-Modified must be the same date; a 304 without validators applies only to a stored
   * response without validators. A 304 that does not match must not refresh the entry.
   */
  public boolean matchesNotModified(HeaderLookup notModified) {
    String newTag = blankToNull(first(notModified, "etag"));
    if (newTag != null) {
      String storedTag = blankToNull(etag);
      if (storedTag == null) {
        return false;
      }
      boolean newWeak = isWeak(newTag);
      if (!newWeak && isWeak(storedTag)) {
        return false;
      }
      return opaqueTag(newTag).equals(opaqueTag(storedTag));
    }
    String newLastModified = blankToNull(first(notModified, "last-modified"));
    String storedLastModified = blankToNull(lastModified);
    if (newLastModified != null) {
      return storedLastModified != null && sameDate(newLastModified, storedLastModified);
    }
    return blankToNull(etag) == null && storedLastModified == null;
  }

  private static boolean isWeak(String tag) {
    return tag.startsWith("W/");
  }

  private static String opaqueTag(String tag) {
    return isWeak(tag) ? tag.substring(2) : tag;
  }

  private static boolean sameDate(String a, String b) {
    Instant x = HttpDates.parse(a, Instant.EPOCH);
    Instant y = HttpDates.parse(b, Instant.EPOCH);
    return x != null && y != null ? x.equals(y) : a.equals(b);
  }

  private static String blankToNull(String s) {
    if (s == null) {
      return null;
    }
    String t = HttpDates.trimOws(s);
    return t.isEmpty() ? null : t;
  }

  private static List<String> cacheControlOf(HeaderLookup response) {
    List<String> cc = lines(response, "cache-control");
    if (cc.isEmpty() && CacheControl.parse(lines(response, "pragma")).has("no-cache")) {
      return List.of("no-cache");
    }
    return cc;
  }

  private static List<String> lines(HeaderLookup headers, String name) {
    List<String> v = headers.values(name);
    return v == null ? List.of() : v;
  }

  private static String joined(HeaderLookup headers, String name) {
    List<String> v = lines(headers, name);
    return v.isEmpty() ? null : String.join(", ", v);
  }

  private static String first(HeaderLookup headers, String name) {
    List<String> v = lines(headers, name);
    return v.isEmpty() ? null : v.get(0);
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
