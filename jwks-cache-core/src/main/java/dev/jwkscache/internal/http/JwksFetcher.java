package dev.jwkscache.internal.http;

import dev.jwkscache.FetchFailureException;
import dev.jwkscache.JwksCacheException;
import dev.jwkscache.ProviderRegistration;
import dev.jwkscache.internal.security.SecureClients;
import java.time.Clock;
import java.time.Duration;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.WeakHashMap;
import java.util.function.UnaryOperator;
import java.util.random.RandomGenerator;
import okhttp3.OkHttpClient;

/**
 * Fetches a provider's JWKS: the retry sequence, redirects followed and checked hop by hop, the
 * bounded body, parsing to a public-only set, and the mapping of every failure to the typed
 * errors of the public API. Blocking; thread-safe; one instance serves every registration.
 *
 * <p>The work is split: {@link RetrySequence} (deadline, backoff, Retry-After),
 * {@link FetchAttempt} (one attempt through its redirect hops), {@link RedirectChain} (the checks
 * on every hop), {@link JwksRequests} (request headers), {@link BoundedBody} (the size cap),
 * {@link IoFailures} (error mapping), {@link JwksParser} (the key set).
 */
public final class JwksFetcher implements AutoCloseable {
  private final SecureClients clients;
  private final Clock clock;
  private final RandomGenerator random;
  private final UnaryOperator<OkHttpClient.Builder> customizer;
  /** The fetch client derived from each pin-set client (keyed by identity, dropped with it). */
  private final Map<OkHttpClient, OkHttpClient> derived =
      Collections.synchronizedMap(new WeakHashMap<>());
  private volatile boolean closed;

  public JwksFetcher(SecureClients clients, Clock clock, RandomGenerator random) {
    this(clients, clock, random, UnaryOperator.identity());
  }

  /**
   * For tests: {@code customizer} adjusts each derived client (e.g. to trust a test CA while
   * {@link SecureClients} cannot be given one).
   */
  JwksFetcher(SecureClients clients, Clock clock, RandomGenerator random,
      UnaryOperator<OkHttpClient.Builder> customizer) {
    this.clients = Objects.requireNonNull(clients, "clients");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.random = Objects.requireNonNull(random, "random");
    this.customizer = Objects.requireNonNull(customizer, "customizer");
  }

  /**
   * Runs one fetch sequence for the registration, bounded by its retry deadline.
   *
   * @param previous the cached headers whose ETag / Last-Modified make the request conditional,
   *     or null for an unconditional fetch
   * @return the outcome; a {@link FetchResult.NotModified} only when {@code previous} was given
   * @throws dev.jwkscache.JwksCacheException (a concrete subtype) on every failure
   */
  public FetchResult fetch(ProviderRegistration registration, CachedHeaders previous) {
    Objects.requireNonNull(registration, "registration");
    String url = registration.jwksUrl().toString();
    try {
      OkHttpClient client = clientFor(registration);
      FetchAttempt attempt = new FetchAttempt(client, registration, previous, clock);
      return RetrySequence.run(registration.retryPolicy(), random, url, (deadline, budget) -> {
        if (closed) {
          throw closedError(url, null);
        }
        try {
          return attempt.run(deadline, budget);
        } catch (JwksCacheException e) {
          // A call cancelled by close() fails like a dropped connection: never retry it.
          throw closed ? closedError(url, e) : e;
        }
      });
    } catch (JwksCacheException e) {
      throw e;
    } catch (RuntimeException e) {
      // Nothing but the public error family may escape, whatever a library throws.
      throw new FetchFailureException(FetchFailureException.Kind.CONNECTION, url,
          "Fetching the JWKS from " + url + " failed unexpectedly ("
              + Sanitizer.printable(e.toString(), 300) + "); check the URL, and report this if"
              + " it persists.", e);
    }
  }

  /**
   * The pin set's client, with redirects off (we follow them) and the network interceptors that
   * keep Accept-Encoding off the wire and an absurd Retry-After out of OkHttp's own parsing. Its
   * own connect/read/write timeouts are off: each call carries the attempt's timeout (OkHttp's
   * call timeout spans connect to last body byte), which may be longer than OkHttp's 10 s
   * defaults. It shares the base client's pool and dispatcher.
   */
  private OkHttpClient clientFor(ProviderRegistration registration) {
    OkHttpClient base = clients.clientFor(registration.pinnedSpki());
    return derived.computeIfAbsent(base, b -> customizer.apply(b.newBuilder()
            .followRedirects(false)
            .followSslRedirects(false)
            .connectTimeout(Duration.ZERO)
            .readTimeout(Duration.ZERO)
            .writeTimeout(Duration.ZERO)
            .addNetworkInterceptor(StripAcceptEncoding.INSTANCE)
            .addNetworkInterceptor(ClampRetryAfter.INSTANCE))
        .build());
  }

  /**
   * Stops for good: calls in flight are cancelled at once (their threads return within
   * milliseconds instead of at the end of their attempt timeout), and no further attempt starts;
   * a fetch running now or later fails with a {@link FetchFailureException} of kind INTERRUPTED.
   */
  @Override
  public void close() {
    closed = true;
    derived.clear();
    clients.close();
  }

  private static FetchFailureException closedError(String url, Throwable cause) {
    return new FetchFailureException(FetchFailureException.Kind.INTERRUPTED, url,
        "Fetching the JWKS from " + url + " was stopped: the registry is closed.", cause);
  }
}
