package dev.jwkscache.internal.http;

import dev.jwkscache.FetchFailureException;
import dev.jwkscache.InvalidJwksException;
import dev.jwkscache.ProviderRegistration;
import dev.jwkscache.UpstreamStatusException;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import okhttp3.Call;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Response;
import okhttp3.ResponseBody;

/**
 * One attempt of a fetch: the registered URL and its redirect hops, each checked by a
 * {@link RedirectChain}, all within the attempt's time budget; then the final response turned
 * into a {@link FetchResult} or a typed error.
 */
final class FetchAttempt implements RetrySequence.Attempt {
  private final OkHttpClient client;
  private final ProviderRegistration registration;
  private final CachedHeaders previous;
  private final JwksRequests requests;
  private final Clock clock;

  FetchAttempt(OkHttpClient client, ProviderRegistration registration, CachedHeaders previous,
      Clock clock) {
    this.client = client;
    this.registration = registration;
    this.previous = previous;
    this.requests = new JwksRequests(previous);
    this.clock = clock;
  }

  @Override
  public FetchResult run(long deadlineNanos, Duration budget) {
    RedirectChain chain = RedirectChain.start(registration);
    HttpUrl url = chain.current();
    while (true) {
      long left = deadlineNanos - System.nanoTime();
      if (left <= 0) {
        throw timeout(url.toString(), budget);
      }
      Call call = client.newCall(requests.get(url));
      call.timeout().timeout(left, TimeUnit.NANOSECONDS);
      Hop hop;
      try {
        hop = exchange(call, url);
      } catch (IOException e) {
        throw IoFailures.map(e, url.toString(), budget, System.nanoTime() - deadlineNanos >= 0);
      }
      if (hop.result != null) {
        return hop.result;
      }
      url = chain.follow(hop.location);
    }
  }

  /** Either the outcome, or the Location of a redirect to follow. */
  private record Hop(FetchResult result, String location) {
  }

  private Hop exchange(Call call, HttpUrl url) throws IOException {
    String where = url.toString();
    try (Response response = call.execute()) {
      int status = response.code();
      ResponseBody body = response.body();
      if (isRedirect(status)) {
        String location = response.header("Location");
        if (location == null || location.isBlank()) {
          throw new UpstreamStatusException(status, where,
              BoundedBody.excerpt(call, body, registration.maxResponseBytes()));
        }
        return new Hop(null, location);
      }
      Instant receivedAt = clock.instant();
      if (status == 200) {
        refuseContentCoding(call, response, where);
        byte[] bytes = BoundedBody.read(call, body, registration.maxResponseBytes(), where);
        ParsedJwks jwks = JwksParser.parse(bytes, where);
        CachedHeaders headers = CachedHeaders.from(HeaderLookup.of(response.headers()));
        Ttl ttl = Ttl.of(headers, 200, receivedAt, registration, where);
        return new Hop(new FetchResult.Fetched(jwks, headers, receivedAt, ttl.value(),
            ttl.reason(), where), null);
      }
      if (status == 304 && previous != null && requests.conditional()) {
        CachedHeaders merged = previous.mergeNotModified(HeaderLookup.of(response.headers()));
        // The freshness of the stored 200, updated with the 304's headers (RFC 9111 4.3.4).
        Ttl ttl = Ttl.of(merged, 200, receivedAt, registration, where);
        return new Hop(new FetchResult.NotModified(merged, receivedAt, ttl.value(), ttl.reason()),
            null);
      }
      String excerpt = BoundedBody.excerpt(call, body, registration.maxResponseBytes());
      Duration retryAfter = status == 429 || status == 503
          ? RetryAfter.parse(response.headers(), receivedAt) : null;
      throw new UpstreamStatusException(status, where, excerpt, retryAfter);
    }
  }

  private static boolean isRedirect(int status) {
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
  }

  /**
   * We asked for no content coding; a body that is compressed anyway is refused rather than
   * decoded (decoding would let a small body expand past max_response_bytes unchecked).
   */
  private static void refuseContentCoding(Call call, Response response, String url) {
    for (String value : response.headers("Content-Encoding")) {
      for (String coding : value.split(",")) {
        String c = coding.trim().toLowerCase(Locale.ROOT);
        if (!c.isEmpty() && !c.equals("identity")) {
          call.cancel();
          throw new InvalidJwksException(url, "The response from " + url
              + " uses Content-Encoding '" + Sanitizer.printable(c, 40)
              + "' although none was requested; the endpoint (or a proxy in front of it) must"
              + " serve the JWKS uncompressed when the request has no Accept-Encoding.");
        }
      }
    }
  }

  private static FetchFailureException timeout(String url, Duration budget) {
    return new FetchFailureException(FetchFailureException.Kind.TIMEOUT, url,
        "Fetching the JWKS from " + url + " timed out after " + budget.toMillis() + " ms; raise"
            + " retry_policy.attempt_timeout and retry_policy.deadline if the provider is slow.",
        null);
  }
}
