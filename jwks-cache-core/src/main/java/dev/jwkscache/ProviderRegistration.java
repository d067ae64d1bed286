package dev.jwkscache;

import dev.jwkscache.internal.security.HostNames;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

/**
 * How one tenant/provider pair is fetched and cached. Immutable; built with {@link #builder}.
 *
 * <p>Four fields can be inherited from the registry ({@code require_https}, {@code
 * allowed_domains}, {@code refresh_early}, {@code stale_while_error}). The registration remembers
 * whether each was set explicitly, so that a registry default never overrides a value the caller
 * chose, even when that value equals the library default.
 */
public final class ProviderRegistration {
  public static final Duration DEFAULT_REFRESH_EARLY = Duration.ofSeconds(30);
  public static final Duration DEFAULT_STALE_WHILE_ERROR = Duration.ofSeconds(60);
  public static final Duration MIN_TTL_FLOOR = Duration.ofSeconds(30);
  public static final Duration DEFAULT_MAX_TTL = Duration.ofHours(24);
  public static final long DEFAULT_MAX_RESPONSE_BYTES = 1_048_576;
  public static final int DEFAULT_MAX_REDIRECTS = 3;
  public static final int MAX_REDIRECTS_LIMIT = 10;
  public static final Duration DEFAULT_PREFETCH_JITTER = Duration.ofSeconds(5);
  public static final Duration DEFAULT_UNKNOWN_KID_COOLDOWN = Duration.ofSeconds(30);
  static final int MAX_ID_LENGTH = 64;

  private final String tenantId;
  private final String providerId;
  private final URI jwksUrl;
  private final Boolean requireHttps;
  private final List<String> allowedDomains;
  private final boolean allowedDomainsSet;
  private final Duration refreshEarly;
  private final Duration staleWhileError;
  private final Duration minTtl;
  private final Duration maxTtl;
  private final long maxResponseBytes;
  private final Duration negativeCacheTtl;
  private final int maxRedirects;
  private final List<SpkiPin> pinnedSpki;
  private final Duration prefetchJitter;
  private final Duration unknownKidCooldown;
  private final RetryPolicy retryPolicy;

  private ProviderRegistration(Builder b, List<String> allowedDomains, List<SpkiPin> pins,
      URI url) {
    this.tenantId = b.tenantId;
    this.providerId = b.providerId;
    this.jwksUrl = url;
    this.requireHttps = b.requireHttps;
    this.allowedDomains = allowedDomains;
    this.allowedDomainsSet = b.allowedDomains != null;
    this.refreshEarly = b.refreshEarly;
    this.staleWhileError = b.staleWhileError;
    this.minTtl = b.minTtl;
    this.maxTtl = b.maxTtl;
    this.maxResponseBytes = b.maxResponseBytes;
    this.negativeCacheTtl = b.negativeCacheTtl;
    this.maxRedirects = b.maxRedirects;
    this.pinnedSpki = pins;
    this.prefetchJitter = b.prefetchJitter;
    this.unknownKidCooldown = b.unknownKidCooldown;
    this.retryPolicy = b.retryPolicy;
  }

  /** Starts a registration; every other field has its documented default. */
  public static Builder builder(String tenantId, String providerId, String jwksUrl) {
    return new Builder(tenantId, providerId, jwksUrl);
  }

  /** A builder holding this registration's values, with the same fields marked as set. */
  public Builder toBuilder() {
    Builder b = new Builder(tenantId, providerId, jwksUrl.toString());
    b.requireHttps = requireHttps;
    b.allowedDomains = allowedDomainsSet ? new ArrayList<>(allowedDomains) : null;
    b.refreshEarly = refreshEarly;
    b.staleWhileError = staleWhileError;
    b.minTtl = minTtl;
    b.maxTtl = maxTtl;
    b.maxResponseBytes = maxResponseBytes;
    b.negativeCacheTtl = negativeCacheTtl;
    b.maxRedirects = maxRedirects;
    b.pins = new ArrayList<>();
    for (SpkiPin p : pinnedSpki) {
      b.pins.add(p.base64());
    }
    b.prefetchJitter = prefetchJitter;
    b.unknownKidCooldown = unknownKidCooldown;
    b.retryPolicy = retryPolicy;
    return b;
  }

  /**
   * This registration with the registry's defaults filled in where a field was not set, then
   * validated again (a default may break a rule, e.g. refresh_early against max_ttl).
   */
  ProviderRegistration withDefaults(boolean registryRequireHttps, List<String> registryDomains,
      Duration registryRefreshEarly, Duration registryStaleWhileError) {
    Builder b = toBuilder();
    if (b.requireHttps == null) {
      b.requireHttps = registryRequireHttps;
    }
    if (b.allowedDomains == null && !registryDomains.isEmpty()) {
      b.allowedDomains = new ArrayList<>(registryDomains);
    }
    if (b.refreshEarly == null) {
      b.refreshEarly = registryRefreshEarly;
    }
    if (b.staleWhileError == null) {
      b.staleWhileError = registryStaleWhileError;
    }
    return b.build();
  }

  public String tenantId() {
    return tenantId;
  }

  public String providerId() {
    return providerId;
  }

  public URI jwksUrl() {
    return jwksUrl;
  }

  /** Whether the URL and every redirect hop must be https (default true). */
  public boolean requireHttps() {
    return requireHttps == null || requireHttps;
  }

  /** True when {@link Builder#requireHttps} was called. */
  public boolean requireHttpsSet() {
    return requireHttps != null;
  }

  /** Canonical host names the URL and redirects may use; empty means any host. */
  public List<String> allowedDomains() {
    return allowedDomains;
  }

  public boolean allowedDomainsSet() {
    return allowedDomainsSet;
  }

  /** How long before expiry a background refresh starts (default 30 s). */
  public Duration refreshEarly() {
    return refreshEarly == null ? DEFAULT_REFRESH_EARLY : refreshEarly;
  }

  public boolean refreshEarlySet() {
    return refreshEarly != null;
  }

  /** How long past expiry a cached set may still be served while refreshes fail (default 60 s). */
  public Duration staleWhileError() {
    return staleWhileError == null ? DEFAULT_STALE_WHILE_ERROR : staleWhileError;
  }

  public boolean staleWhileErrorSet() {
    return staleWhileError != null;
  }

  public Duration minTtl() {
    return minTtl;
  }

  public Duration maxTtl() {
    return maxTtl;
  }

  public long maxResponseBytes() {
    return maxResponseBytes;
  }

  /** How long a failed first load is remembered (0 = off). */
  public Duration negativeCacheTtl() {
    return negativeCacheTtl;
  }

  public int maxRedirects() {
    return maxRedirects;
  }

  public List<SpkiPin> pinnedSpki() {
    return pinnedSpki;
  }

  public Duration prefetchJitter() {
    return prefetchJitter;
  }

  /** Minimum time between two upstream fetches caused by unknown kids. */
  public Duration unknownKidCooldown() {
    return unknownKidCooldown;
  }

  public RetryPolicy retryPolicy() {
    return retryPolicy;
  }

  /** True when both registrations fetch the same URL (a re-register keeps the cached set). */
  boolean sameSource(ProviderRegistration other) {
    return other != null && jwksUrl.equals(other.jwksUrl);
  }

  @Override
  public String toString() {
    return "ProviderRegistration{" + tenantId + "/" + providerId + " " + jwksUrl + "}";
  }

  /** Builds a {@link ProviderRegistration}; {@link #build()} checks every rule. */
  public static final class Builder {
    private final String tenantId;
    private final String providerId;
    private final String jwksUrl;
    private Boolean requireHttps;
    private List<String> allowedDomains;
    private Duration refreshEarly;
    private Duration staleWhileError;
    private Duration minTtl = MIN_TTL_FLOOR;
    private Duration maxTtl = DEFAULT_MAX_TTL;
    private long maxResponseBytes = DEFAULT_MAX_RESPONSE_BYTES;
    private Duration negativeCacheTtl = Duration.ZERO;
    private int maxRedirects = DEFAULT_MAX_REDIRECTS;
    private List<String> pins = new ArrayList<>();
    private Duration prefetchJitter = DEFAULT_PREFETCH_JITTER;
    private Duration unknownKidCooldown = DEFAULT_UNKNOWN_KID_COOLDOWN;
    private RetryPolicy retryPolicy = RetryPolicy.DEFAULT;

    private Builder(String tenantId, String providerId, String jwksUrl) {
      this.tenantId = tenantId;
      this.providerId = providerId;
      this.jwksUrl = jwksUrl;
    }

    private static <T> T required(T value, String field) {
      if (value == null) {
        throw new ValidationException(field, "Must not be null.");
      }
      return value;
    }

    public Builder requireHttps(boolean value) {
      this.requireHttps = value;
      return this;
    }

    /** Replaces the allowlist; an empty list explicitly allows any host. */
    public Builder allowedDomains(Collection<String> domains) {
      this.allowedDomains = new ArrayList<>(required(domains, "allowed_domains"));
      return this;
    }

    public Builder addAllowedDomain(String domain) {
      if (allowedDomains == null) {
        allowedDomains = new ArrayList<>();
      }
      allowedDomains.add(domain);
      return this;
    }

    public Builder refreshEarly(Duration value) {
      this.refreshEarly = required(value, "refresh_early");
      return this;
    }

    public Builder staleWhileError(Duration value) {
      this.staleWhileError = required(value, "stale_while_error");
      return this;
    }

    public Builder minTtl(Duration value) {
      this.minTtl = value;
      return this;
    }

    public Builder maxTtl(Duration value) {
      this.maxTtl = value;
      return this;
    }

    public Builder maxResponseBytes(long value) {
      this.maxResponseBytes = value;
      return this;
    }

    public Builder negativeCacheTtl(Duration value) {
      this.negativeCacheTtl = value;
      return this;
    }

    public Builder maxRedirects(int value) {
      this.maxRedirects = value;
      return this;
    }

    /** SHA-256 SPKI pins in base64; replaces any pins set before. */
    public Builder pinnedSpki(Collection<String> base64Pins) {
      this.pins = new ArrayList<>(required(base64Pins, "pinned_spki"));
      return this;
    }

    public Builder addPinnedSpki(String base64Pin) {
      this.pins.add(base64Pin);
      return this;
    }

    public Builder prefetchJitter(Duration value) {
      this.prefetchJitter = value;
      return this;
    }

    public Builder unknownKidCooldown(Duration value) {
      this.unknownKidCooldown = value;
      return this;
    }

    public Builder retryPolicy(RetryPolicy value) {
      this.retryPolicy = value;
      return this;
    }

    /** Validates every rule and builds; a violation is a {@link ValidationException}. */
    public ProviderRegistration build() {
      checkId("tenant_id", tenantId, false);
      checkId("provider_id", providerId, true);
      URI url = parseUrl(jwksUrl);
      List<String> domains = allowedDomains == null
          ? List.of() : HostNames.canonicalizeAll(allowedDomains, "allowed_domains");
      // Unset, require_https is the registry's to decide: Registry.register checks again with
      // the registry default applied.
      boolean https = requireHttps != null && requireHttps;
      if (https && !"https".equals(url.getScheme())) {
        throw new ValidationException("jwks_url",
            "Must use https while require_https is true; got '" + jwksUrl + "'.");
      }
      if (!HostNames.isAllowed(url.getHost(), domains)) {
        throw new ValidationException("jwks_url", "Host '" + url.getHost()
            + "' is not within allowed_domains " + domains + ".");
      }
      Duration early = refreshEarly == null ? DEFAULT_REFRESH_EARLY : refreshEarly;
      Duration stale = staleWhileError == null ? DEFAULT_STALE_WHILE_ERROR : staleWhileError;
      if (minTtl == null || minTtl.compareTo(MIN_TTL_FLOOR) < 0) {
        throw new ValidationException("min_ttl", "Must be at least 30 s; got " + minTtl + ".");
      }
      if (maxTtl == null || maxTtl.compareTo(minTtl) < 0) {
        throw new ValidationException("max_ttl",
            "Must be greater than or equal to min_ttl (" + minTtl + "); got " + maxTtl + ".");
      }
      if (early.compareTo(Duration.ofSeconds(1)) < 0) {
        throw new ValidationException("refresh_early", "Must be at least 1 s; got " + early + ".");
      }
      if (early.compareTo(maxTtl) >= 0) {
        throw new ValidationException("refresh_early",
            "Must be less than max_ttl (" + maxTtl + "); got " + early + ".");
      }
      if (stale.isNegative()) {
        throw new ValidationException("stale_while_error", "Must be zero or more.");
      }
      if (maxResponseBytes <= 0) {
        throw new ValidationException("max_response_bytes",
            "Must be greater than zero; got " + maxResponseBytes + ".");
      }
      if (negativeCacheTtl == null || negativeCacheTtl.isNegative()
          || (!negativeCacheTtl.isZero() && negativeCacheTtl.compareTo(Duration.ofSeconds(1)) < 0)) {
        throw new ValidationException("negative_cache_ttl",
            "Must be zero (off) or at least 1 s; got " + negativeCacheTtl + ".");
      }
      if (maxRedirects < 0 || maxRedirects > MAX_REDIRECTS_LIMIT) {
        throw new ValidationException("max_redirects",
            "Must be between 0 and " + MAX_REDIRECTS_LIMIT + "; got " + maxRedirects + ".");
      }
      if (prefetchJitter == null || prefetchJitter.isNegative()) {
        throw new ValidationException("prefetch_jitter", "Must be zero or more.");
      }
      if (unknownKidCooldown == null || unknownKidCooldown.compareTo(Duration.ofSeconds(1)) < 0) {
        throw new ValidationException("unknown_kid_cooldown",
            "Must be at least 1 s; got " + unknownKidCooldown + ".");
      }
      if (retryPolicy == null) {
        throw new ValidationException("retry_policy", "Must be set.");
      }
      List<SpkiPin> parsedPins = new ArrayList<>();
      for (String p : pins) {
        SpkiPin pin = SpkiPin.parse(p);
        if (!parsedPins.contains(pin)) {
          parsedPins.add(pin);
        }
      }
      if (!parsedPins.isEmpty() && !"https".equals(url.getScheme())) {
        throw new ValidationException("pinned_spki",
            "Pins need an https jwks_url (a pinned registration only ever talks TLS); got '"
                + jwksUrl + "'.");
      }
      return new ProviderRegistration(this, domains, List.copyOf(parsedPins), url);
    }

    private static void checkId(String field, String value, boolean allowUnderscore) {
      if (value == null || value.isEmpty()) {
        throw new ValidationException(field, "Must be 1 to 64 characters of ASCII letters, "
            + "digits, '-'" + (allowUnderscore ? ", '_'" : "") + "; got an empty value.");
      }
      if (value.length() > MAX_ID_LENGTH) {
        throw new ValidationException(field,
            "Must be 64 characters or fewer; got " + value.length() + ".");
      }
      for (int i = 0; i < value.length(); i++) {
        char c = value.charAt(i);
        boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
            || c == '-' || (allowUnderscore && c == '_');
        if (!ok) {
          throw new ValidationException(field, "May only contain ASCII letters, digits, '-'"
              + (allowUnderscore ? ", '_'" : "") + "; got '" + value + "'.");
        }
      }
    }

    private static URI parseUrl(String text) {
      if (text == null || text.isBlank()) {
        throw new ValidationException("jwks_url", "Must be an absolute http(s) URL.");
      }
      URI uri;
      try {
        uri = new URI(text.trim());
      } catch (URISyntaxException e) {
        throw new ValidationException("jwks_url",
            "Must be an absolute http(s) URL; '" + text + "' does not parse: " + e.getReason());
      }
      String scheme = uri.getScheme() == null ? null : uri.getScheme().toLowerCase(Locale.ROOT);
      if (!uri.isAbsolute() || !("https".equals(scheme) || "http".equals(scheme))) {
        throw new ValidationException("jwks_url",
            "Must be an absolute http or https URL; got '" + text + "'.");
      }
      if (uri.getHost() == null || HostNames.canonicalize(uri.getHost()) == null) {
        throw new ValidationException("jwks_url", "Must include a host; got '" + text + "'.");
      }
      // URI accepts any digits as a port; the HTTP client would reject the URL at fetch time.
      if (uri.getPort() != -1 && (uri.getPort() < 1 || uri.getPort() > 65535)) {
        throw new ValidationException("jwks_url",
            "The port must be 1 to 65535; got " + uri.getPort() + " in '" + text + "'.");
      }
      if (uri.getRawUserInfo() != null) {
        throw new ValidationException("jwks_url", "Must not carry user info (credentials).");
      }
      if (uri.getRawFragment() != null) {
        throw new ValidationException("jwks_url", "Must not carry a fragment.");
      }
      // Normalise the scheme's case so later comparisons are exact.
      return URI.create(scheme + ":" + uri.getRawSchemeSpecificPart());
    }
  }
}
