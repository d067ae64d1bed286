package dev.jwkscache.internal.http;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Freshness of a response for a private cache, RFC 9111 section 4.2. Never throws, whatever the
 * headers hold.
 *
 * <p>Storability (RFC 9111 section 3, with the choices of the project's freshness vectors):
 *
 * <ul>
 *   <li>{@code no-store} in the response (or the request) forbids storing;
 *   <li>only GET and HEAD responses are stored;
 *   <li>1xx and codes outside 100..599 are not final responses; 206 (we never combine ranges)
 *       and 304 (it updates a stored response, see {@link #revalidated}) are not stored;
 *   <li>status codes RFC 9110 calls heuristically cacheable (200, 203, 204, 300, 301, 308, 404,
 *       405, 410, 414, 501) are stored;
 *   <li>registered 4xx/5xx error codes other than those are never stored, even with explicit
 *       freshness. This is stricter than RFC 9111: an error answer must never stand in for a key
 *       set;
 *   <li>any other code (201, 302, 303, 307, an unregistered code such as 599) is stored only
 *       with {@code max-age}, {@code Expires}, {@code public} or {@code private}.
 * </ul>
 *
 * <p>Lifetime: {@code max-age} ({@code s-maxage} is for shared caches and ignored), else
 * {@code Expires − Date}, else 10 % of {@code Date − Last-Modified} when the status is
 * heuristically cacheable or the response is {@code public}. A missing or invalid Date is
 * replaced by the receipt time (RFC 9110 section 6.6.1). Invalid freshness data ({@code
 * max-age=abc}, an Expires that is not an HTTP-date, several Expires lines) makes the response
 * stale on arrival, as RFC 9111 sections 4.2.1 and 5.3 advise. {@code no-cache}, and a response
 * {@code Pragma: no-cache} without any Cache-Control line, store the response with a TTL of 0.
 */
public final class Freshness {
  private static final HeaderLookup NO_HEADERS = name -> List.of();

  private Freshness() {
  }

  /**
   * @param storable false when the response must not be stored (no-store, unusable status)
   * @param ttl the remaining freshness at receipt, {@code max(0, lifetime - current_age)};
   *     zero when not storable
   * @param reason one human line on how it was computed ("max-age=300 minus Age 5")
   */
  public record Result(boolean storable, Duration ttl, String reason) {
  }

  /**
   * Computes the raw (unclamped) freshness of the response to our own plain GET, received at
   * {@code receivedAt}. For a 304, use {@link #revalidated} on the merged headers instead: a 304
   * itself is not a storable response.
   */
  public static Result compute(HeaderLookup headers, int status, Instant receivedAt) {
    return compute("GET", NO_HEADERS, headers, status, receivedAt);
  }

  /**
   * The freshness of a stored 200 after a 304 revalidated it: {@code merged} are the stored
   * headers updated by the 304 ({@link CachedHeaders#mergeNotModified}), {@code receivedAt} the
   * arrival of the 304.
   */
  public static Result revalidated(HeaderLookup merged, Instant receivedAt) {
    return compute(merged, 200, receivedAt);
  }

  /**
   * The general form, with the request side: our fetcher always sends a plain GET, so only tests
   * reach this with anything else.
   */
  static Result compute(String method, HeaderLookup request, HeaderLookup response, int status,
      Instant receivedAt) {
    HeaderLookup res = response == null ? NO_HEADERS : response;
    HeaderLookup req = request == null ? NO_HEADERS : request;
    CacheControl cc = CacheControl.parse(lines(res, "cache-control"));

    if (!"GET".equals(method) && !"HEAD".equals(method)) {
      return notStorable("method " + method + " responses are not stored");
    }
    if (CacheControl.parse(lines(req, "cache-control")).has("no-store")) {
      return notStorable("no-store (request)");
    }
    if (cc.has("no-store")) {
      return notStorable("no-store");
    }
    List<String> expires = lines(res, "expires");
    boolean explicit = cc.has("max-age") || !expires.isEmpty() || cc.has("public")
        || cc.has("private");
    String refusal = statusRefusal(status, explicit);
    if (refusal != null) {
      return notStorable(refusal);
    }

    Instant date = HttpDates.parse(firstValue(res, "date"), receivedAt);
    Instant dateValue = date != null ? date : receivedAt;
    Duration lifetime;
    String how;
    long maxAge = cc.deltaSeconds("max-age");
    if (maxAge >= 0) {
      lifetime = Duration.ofSeconds(maxAge);
      how = "max-age=" + maxAge;
    } else if (maxAge == CacheControl.INVALID) {
      lifetime = Duration.ZERO;
      how = "invalid max-age, treated as stale";
    } else if (!expires.isEmpty()) {
      Instant expiresAt = expires.size() == 1 ? HttpDates.parse(expires.get(0), receivedAt) : null;
      if (expiresAt == null) {
        lifetime = Duration.ZERO;
        how = expires.size() == 1 ? "invalid Expires, treated as already expired"
            : "several Expires lines, treated as already expired";
      } else {
        lifetime = nonNegative(Duration.between(dateValue, expiresAt));
        how = date != null ? "Expires − Date" : "Expires − receipt time (no valid Date)";
      }
    } else {
      Instant lastModified = HttpDates.parse(firstValue(res, "last-modified"), receivedAt);
      if (lastModified != null && (isHeuristicallyCacheable(status) || cc.has("public"))) {
        lifetime = nonNegative(Duration.between(lastModified, dateValue)).dividedBy(10);
        how = "heuristic: 10% of Date − Last-Modified";
      } else {
        lifetime = Duration.ZERO;
        how = "no freshness information";
      }
    }

    // A field-qualified no-cache="..." only restricts reuse of the named header fields, none of
    // which a JWKS cache serves; the body keeps its lifetime (RFC 9111 section 5.2.2.4).
    if (cc.hasWithoutArgument("no-cache")) {
      return new Result(true, Duration.ZERO, "no-cache (" + how + " not used)");
    }
    if (!cc.present() && CacheControl.parse(lines(res, "pragma")).has("no-cache")) {
      return new Result(true, Duration.ZERO, "Pragma: no-cache without Cache-Control");
    }

    Duration apparentAge = date == null ? Duration.ZERO
        : nonNegative(Duration.between(date, receivedAt));
    long age = ageSeconds(res);
    Duration ageValue = age > 0 ? Duration.ofSeconds(age) : Duration.ZERO;
    Duration currentAge = ageValue.compareTo(apparentAge) >= 0 ? ageValue : apparentAge;
    if (!currentAge.isZero()) {
      how += ageValue.compareTo(apparentAge) >= 0 ? " minus Age " + age
          : " minus apparent age " + apparentAge.toSeconds() + " s (receipt − Date)";
    }
    return new Result(true, nonNegative(lifetime.minus(currentAge)), how);
  }

  /**
   * The TTL the cache uses: the raw TTL clamped to [minTtl, maxTtl]; a response that is not
   * storable, or has no lifetime, gets {@code minTtl}.
   */
  public static Duration clamp(Result result, Duration minTtl, Duration maxTtl) {
    Duration ttl = result.ttl();
    if (!result.storable() || ttl == null || ttl.isNegative() || ttl.isZero()
        || ttl.compareTo(minTtl) <= 0) {
      return minTtl;
    }
    // Never below minTtl, even if the bounds were given the wrong way round.
    return ttl.compareTo(maxTtl) > 0 ? (maxTtl.compareTo(minTtl) < 0 ? minTtl : maxTtl) : ttl;
  }

  /** Why this status is not stored, or null when it may be. */
  private static String statusRefusal(int status, boolean explicitFreshness) {
    if (status < 200 || status > 599) {
      return "status " + status + " is not a final response";
    }
    if (status == 206) {
      return "status 206 (partial content) is not stored";
    }
    if (status == 304) {
      return "status 304 updates a stored response and is not stored itself";
    }
    if (isHeuristicallyCacheable(status)) {
      return null;
    }
    if (isRegisteredError(status)) {
      return "status " + status + " is an error and never stored";
    }
    return explicitFreshness ? null
        : "status " + status + " is stored only with explicit freshness or public/private";
  }

  /** RFC 9110 section 15.1. */
  static boolean isHeuristicallyCacheable(int status) {
    return switch (status) {
      case 200, 203, 204, 300, 301, 308, 404, 405, 410, 414, 501 -> true;
      default -> false;
    };
  }

  /** 4xx/5xx codes in the IANA HTTP status code registry. */
  private static boolean isRegisteredError(int status) {
    return (status >= 400 && status <= 418) || (status >= 421 && status <= 426)
        || status == 428 || status == 429 || status == 431 || status == 451
        || (status >= 500 && status <= 508) || status == 510 || status == 511;
  }

  /**
   * The Age header: the first non-empty member over all lines decides (later ones are ignored);
   * a negative, fractional or non-numeric first member means no Age. Capped like every
   * delta-seconds. 0 when absent or unusable.
   */
  private static long ageSeconds(HeaderLookup res) {
    for (String line : lines(res, "age")) {
      if (line == null) {
        continue;
      }
      for (String member : line.split(",", -1)) {
        String m = HttpDates.trimOws(member);
        if (!m.isEmpty()) {
          return Math.max(CacheControl.parseDeltaSeconds(m), 0);
        }
      }
    }
    return 0;
  }

  private static Result notStorable(String reason) {
    return new Result(false, Duration.ZERO, reason);
  }

  private static Duration nonNegative(Duration d) {
    return d.isNegative() ? Duration.ZERO : d;
  }

  private static List<String> lines(HeaderLookup headers, String name) {
    List<String> v = headers.values(name);
    return v == null ? List.of() : v;
  }

  private static String firstValue(HeaderLookup headers, String name) {
    List<String> v = lines(headers, name);
    return v.isEmpty() ? null : v.get(0);
  }
}
