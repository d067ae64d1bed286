package dev.jwkscache.internal.http;

import dev.jwkscache.ProviderRegistration;
import dev.jwkscache.SecurityViolationException;
import dev.jwkscache.internal.security.HostNames;
import java.util.HashSet;
import java.util.Set;
import okhttp3.HttpUrl;

/**
 * The URLs of one attempt, from the registered URL through each redirect hop, with every hop
 * checked before it is requested: resolved against the current URL, host canonicalised, https
 * when the registration requires it, host inside the registration's allowlist, no credentials,
 * no loop, and at most {@code max_redirects} hops. Every refusal is a
 * {@link SecurityViolationException} naming the URL and the rule. One instance per attempt.
 */
final class RedirectChain {
  private final ProviderRegistration registration;
  private final Set<String> visited = new HashSet<>();
  private HttpUrl current;
  private int hops;

  private RedirectChain(ProviderRegistration registration, HttpUrl first) {
    this.registration = registration;
    this.current = first;
    visited.add(first.toString());
  }

  /** Starts at the registered URL, which gets the same checks as any hop. */
  static RedirectChain start(ProviderRegistration registration) {
    String text = registration.jwksUrl().toString();
    HttpUrl url = HttpUrl.parse(text);
    if (url == null) {
      throw new SecurityViolationException("Refused to fetch '" + text
          + "': it is not an http(s) URL the client can request; fix the registration's jwks_url.");
    }
    return new RedirectChain(registration, check(registration, url, null));
  }

  HttpUrl current() {
    return current;
  }

  /** Redirects followed so far. */
  int hops() {
    return hops;
  }

  /**
   * Moves to the target of a redirect from the current URL.
   *
   * @param location the raw Location header value
   * @return the checked, canonical URL to request next
   */
  HttpUrl follow(String location) {
    HttpUrl from = current;
    String shown = Sanitizer.printable(location, 300);
    HttpUrl next = location == null ? null : from.resolve(location.trim());
    if (next == null) {
      throw new SecurityViolationException("Refused redirect from " + from + " to '" + shown
          + "': the Location is not an http(s) URL.");
    }
    next = check(registration, next.newBuilder().fragment(null).build(), from);
    if (!visited.add(next.toString())) {
      throw new SecurityViolationException("Refused redirect from " + from + " to " + next
          + ": redirect loop (that URL was already requested in this fetch); fix the provider's "
          + "redirects or register the final URL as jwks_url.");
    }
    if (hops >= registration.maxRedirects()) {
      throw new SecurityViolationException("Refused redirect from " + from + " to " + next
          + ": too many redirects (max_redirects=" + registration.maxRedirects()
          + "); register the final URL as jwks_url or raise max_redirects (at most "
          + ProviderRegistration.MAX_REDIRECTS_LIMIT + ").");
    }
    hops++;
    current = next;
    return next;
  }

  /**
   * Applies the per-URL rules and returns the URL with its host in canonical form.
   *
   * @param from the URL that redirected here, or null for the registered URL
   */
  static HttpUrl check(ProviderRegistration registration, HttpUrl url, HttpUrl from) {
    String what = from == null ? "Refused to fetch " + url
        : "Refused redirect from " + from + " to " + url;
    String host = HostNames.canonicalize(url.host());
    if (host == null) {
      throw new SecurityViolationException(what + ": '" + Sanitizer.printable(url.host(), 100)
          + "' is not a valid host name.");
    }
    if (registration.requireHttps() && !url.isHttps()) {
      throw new SecurityViolationException(what
          + ": plain http is not allowed while require_https is true; the provider must serve"
          + " (and redirect to) https, or the registration must set require_https=false.");
    }
    if (!HostNames.isAllowed(host, registration.allowedDomains())) {
      throw new SecurityViolationException(what + ": host '" + host
          + "' is outside allowed_domains " + registration.allowedDomains()
          + "; add the domain to allowed_domains if it is trusted.");
    }
    if (!url.username().isEmpty() || !url.password().isEmpty()) {
      throw new SecurityViolationException(what
          + ": URLs carrying credentials (user info) are never requested.");
    }
    return host.equals(url.host()) ? url : url.newBuilder().host(host).build();
  }
}
