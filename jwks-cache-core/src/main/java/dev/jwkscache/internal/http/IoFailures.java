package dev.jwkscache.internal.http;

import dev.jwkscache.FetchFailureException;
import dev.jwkscache.FetchFailureException.Kind;
import dev.jwkscache.JwksCacheException;
import dev.jwkscache.SecurityViolationException;
import dev.jwkscache.internal.security.SecurityFailures;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.UnknownHostException;
import java.nio.channels.ClosedByInterruptException;
import java.time.Duration;
import javax.net.ssl.SSLException;

/**
 * Maps an I/O failure of one request to the public error family (DESIGN section 10): a refusal by
 * our own security hooks is a security violation; otherwise a fetch failure of kind TIMEOUT, DNS,
 * TLS, INTERRUPTED or CONNECTION. Messages name the URL and what to change.
 */
final class IoFailures {
  private IoFailures() {
  }

  /**
   * @param url the URL being requested
   * @param budget the time this request was given (its share of the attempt and deadline)
   * @param timedOut true when that budget had run out when the failure surfaced
   */
  static JwksCacheException map(IOException e, String url, Duration budget, boolean timedOut) {
    String security = SecurityFailures.describe(e);
    if (security != null) {
      return new SecurityViolationException("Refused to fetch " + url + ": " + security, e);
    }
    if (e instanceof ClosedByInterruptException || isInterrupt(e)) {
      return interrupted(url, e);
    }
    String detail = Sanitizer.printable(describe(e), 300);
    if (e instanceof InterruptedIOException || timedOut) {
      return new FetchFailureException(Kind.TIMEOUT, url, "Fetching the JWKS from " + url
          + " timed out after " + budget.toMillis() + " ms (" + detail + "); raise"
          + " retry_policy.attempt_timeout and retry_policy.deadline if the provider is slow, or"
          + " check the network path to it.", e);
    }
    UnknownHostException dns = find(e, UnknownHostException.class);
    if (dns != null) {
      return new FetchFailureException(Kind.DNS, url, "Could not resolve the host of " + url
          + " (" + detail + "); check the host name in jwks_url and the DNS configuration.", e);
    }
    SSLException tls = find(e, SSLException.class);
    if (tls != null) {
      return new FetchFailureException(Kind.TLS, url, "TLS with " + url + " failed ("
          + Sanitizer.printable(describe(tls), 300) + "); check the server's certificate chain,"
          + " its host name, and the trust anchors configured for the registry.", e);
    }
    return new FetchFailureException(Kind.CONNECTION, url, "Connection to " + url
        + " failed (" + detail + "); check the URL's host and port, and that the provider is"
        + " reachable from here (firewall, proxy).", e);
  }

  static FetchFailureException interrupted(String url, Throwable cause) {
    Thread.currentThread().interrupt();
    return new FetchFailureException(Kind.INTERRUPTED, url,
        "Fetching the JWKS from " + url + " was interrupted; the thread's interrupt flag is set.",
        cause);
  }

  /** Okio reports a thread interrupt as an InterruptedIOException with this message. */
  private static boolean isInterrupt(IOException e) {
    return e instanceof InterruptedIOException
        && !(e instanceof java.net.SocketTimeoutException)
        && ("interrupted".equals(e.getMessage()) || Thread.currentThread().isInterrupted());
  }

  private static String describe(Throwable e) {
    String m = e.getMessage();
    return e.getClass().getSimpleName() + (m == null || m.isBlank() ? "" : ": " + m);
  }

  private static <T extends Throwable> T find(Throwable e, Class<T> type) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (type.isInstance(t)) {
        return type.cast(t);
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return null;
  }
}
