package dev.jwkscache.internal.http;

import dev.jwkscache.testing.FloodBody;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jwkscache.FetchFailureException;
import dev.jwkscache.InvalidJwksException;
import dev.jwkscache.JitterStrategy;
import dev.jwkscache.ProviderRegistration;
import dev.jwkscache.RetryPolicy;
import dev.jwkscache.SecurityViolationException;
import dev.jwkscache.UpstreamStatusException;
import dev.jwkscache.internal.security.SecureClients;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.SocketEffect;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;
import okio.Buffer;
import okio.BufferedSink;
import okio.GzipSink;
import okio.Okio;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The fetch pipeline against a real loopback HTTP server.
 *
 * <p>TODO(freshness): {@link Freshness} is still a stub on this branch; the fetcher then falls
 * back to min_ttl. These tests therefore assert only that the TTL lies within [min_ttl, max_ttl],
 * never an exact value.
 */
class JwksFetcherTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final RetryPolicy FAST = RetryPolicy.builder()
      .maxRetries(2)
      .attemptTimeout(Duration.ofSeconds(3))
      .initialBackoff(Duration.ofMillis(10))
      .maxBackoff(Duration.ofMillis(20))
      .deadline(Duration.ofSeconds(8))
      .jitter(JitterStrategy.NONE)
      .build();

  private MockWebServer server;
  private JwksFetcher fetcher;

  @BeforeEach
  void start() throws IOException {
    server = new MockWebServer();
    server.start();
    fetcher = new JwksFetcher(new SecureClients(null, false), Clock.systemUTC(), new Random(7));
  }

  @AfterEach
  void stop() {
    fetcher.close();
    server.close();
  }

  // ---------------------------------------------------------------- success and request shape

  @Test
  void fetchesAndParsesA200() throws Exception {
    server.enqueue(ok(TestKeys.publicJwks()).newBuilder()
        .addHeader("ETag", "\"v1\"")
        .addHeader("Last-Modified", "Mon, 01 Jan 2024 00:00:00 GMT")
        .addHeader("Cache-Control", "public, max-age=300")
        .build());
    ProviderRegistration reg = registration("/jwks", b -> { });

    FetchResult result = fetcher.fetch(reg, null);

    assertThat(result).isExactlyInstanceOf(FetchResult.Fetched.class);
    FetchResult.Fetched fetched = (FetchResult.Fetched) result;
    assertThat(fetched.jwks().keys()).extracting(KeyEntry::kid).containsExactly("rsa-1");
    assertThat(fetched.finalUrl()).isEqualTo(server.url("/jwks").toString());
    assertThat(fetched.headers().etag()).isEqualTo("\"v1\"");
    assertThat(fetched.headers().lastModified()).isEqualTo("Mon, 01 Jan 2024 00:00:00 GMT");
    assertThat(fetched.headers().cacheControl()).containsExactly("public, max-age=300");
    assertThat(fetched.receivedAt()).isNotNull();
    assertThat(fetched.ttl()).isEqualTo(Duration.ofSeconds(300)); // max-age=300
    assertThat(fetched.ttlReason()).isNotBlank();
    assertThat(server.getRequestCount()).isEqualTo(1);

    RecordedRequest request = server.takeRequest(1, TimeUnit.SECONDS);
    assertThat(request.getMethod()).isEqualTo("GET");
    assertThat(request.getHeaders().get("User-Agent")).isEqualTo("jwks-cache/0.1.0-SNAPSHOT");
    assertThat(request.getHeaders().get("Accept"))
        .isEqualTo("application/jwk-set+json, application/json");
    assertThat(request.getHeaders().values("Accept-Encoding")).isEmpty();
    assertThat(request.getHeaders().get("If-None-Match")).isNull();
    assertThat(request.getHeaders().get("If-Modified-Since")).isNull();
  }

  @Test
  void conditionalRequestAnswered304KeepsTheCachedHeadersMergedWithThe304s() throws Exception {
    CachedHeaders previous = new CachedHeaders(List.of("max-age=60"), null,
        "Sun, 31 Dec 2023 23:00:00 GMT", "20", "Sun, 31 Dec 2023 00:00:00 GMT", "W/\"v1\"");
    server.enqueue(new MockResponse.Builder().code(304)
        .addHeader("Cache-Control", "max-age=600")
        .addHeader("Date", "Mon, 01 Jan 2024 00:00:00 GMT")
        .build());
    ProviderRegistration reg = registration("/jwks", b -> { });

    FetchResult result = fetcher.fetch(reg, previous);

    assertThat(result).isExactlyInstanceOf(FetchResult.NotModified.class);
    CachedHeaders merged = result.headers();
    assertThat(merged.cacheControl()).containsExactly("max-age=600");
    assertThat(merged.date()).isEqualTo("Mon, 01 Jan 2024 00:00:00 GMT");
    assertThat(merged.etag()).isEqualTo("W/\"v1\"");
    assertThat(merged.lastModified()).isEqualTo("Sun, 31 Dec 2023 00:00:00 GMT");
    assertThat(merged.age()).isNull();
    // The 304's Date (2024) is years before its arrival, so the apparent age exceeds max-age=600:
    // stale on arrival, and the clamp gives min_ttl.
    assertThat(result.ttl()).isEqualTo(reg.minTtl());
    assertThat(server.getRequestCount()).isEqualTo(1);
    RecordedRequest request = server.takeRequest(1, TimeUnit.SECONDS);
    assertThat(request.getHeaders().get("If-None-Match")).isEqualTo("W/\"v1\"");
    assertThat(request.getHeaders().get("If-Modified-Since"))
        .isEqualTo("Sun, 31 Dec 2023 00:00:00 GMT");
    assertThat(request.getHeaders().values("Accept-Encoding")).isEmpty();
  }

  @Test
  void a304ToAnUnconditionalRequestIsAnUpstreamError() {
    server.enqueue(new MockResponse.Builder().code(304).build());
    UpstreamStatusException e = catchThrowableOfType(UpstreamStatusException.class,
        () -> fetcher.fetch(registration("/jwks", b -> { }), null));
    assertThat(e).isExactlyInstanceOf(UpstreamStatusException.class);
    assertThat(e.status()).isEqualTo(304);
    assertThat(server.getRequestCount()).isEqualTo(1);
  }

  @Test
  void previousWithoutValidatorsSendsNoConditionalHeaders() throws Exception {
    server.enqueue(new MockResponse.Builder().code(304).build());
    CachedHeaders noValidators = new CachedHeaders(List.of("max-age=60"), null, null, null,
        null, null);
    UpstreamStatusException e = catchThrowableOfType(UpstreamStatusException.class,
        () -> fetcher.fetch(registration("/jwks", b -> { }), noValidators));
    assertThat(e.status()).isEqualTo(304);
    RecordedRequest request = server.takeRequest(1, TimeUnit.SECONDS);
    assertThat(request.getHeaders().get("If-None-Match")).isNull();
    assertThat(request.getHeaders().get("If-Modified-Since")).isNull();
  }

  @Test
  void privateMaterialIsServedPublicOnly() throws Exception {
    server.enqueue(ok(TestKeys.jwks(List.of(TestKeys.rsaPrivate("rsa"), TestKeys.ecPrivate("ec"),
        TestKeys.oct("secret")))));

    FetchResult.Fetched fetched = (FetchResult.Fetched) fetcher.fetch(
        registration("/jwks", b -> { }), null);

    assertThat(fetched.jwks().privateMaterialDropped()).isTrue();
    assertThat(fetched.jwks().keys()).extracting(KeyEntry::kid).containsExactly("rsa", "ec");
    assertThat(fetched.jwks().set().getKeys()).noneMatch(k -> k.isPrivate());
    JsonNode json = JSON.readTree(fetched.jwks().json());
    assertThat(json.get("keys")).hasSize(2);
    for (JsonNode key : json.get("keys")) {
      for (String member : List.of("d", "p", "q", "dp", "dq", "qi", "k")) {
        assertThat(key.has(member)).as(member).isFalse();
      }
    }
  }

  // ---------------------------------------------------------------- statuses and retries

  @Test
  void notFoundIsNotRetriedAndCarriesASanitisedExcerpt() {
    server.enqueue(new MockResponse.Builder().code(404)
        .body("<html>\n  Not\u0000 Found\u001b[0m  </html>").build());

    UpstreamStatusException e = catchThrowableOfType(UpstreamStatusException.class,
        () -> fetcher.fetch(registration("/jwks", b -> { }), null));

    assertThat(e).isExactlyInstanceOf(UpstreamStatusException.class);
    assertThat(e.status()).isEqualTo(404);
    assertThat(e.url()).isEqualTo(server.url("/jwks").toString());
    assertThat(e.bodyExcerpt()).isEqualTo("<html> Not Found[0m </html>");
    assertThat(e.retryAfter()).isEmpty();
    assertThat(e.getMessage()).contains(server.url("/jwks").toString(), "404", "jwks_url");
    assertThat(server.getRequestCount()).isEqualTo(1);
  }

  @Test
  void serverErrorIsRetriedUntilMaxRetriesThenReportedWithExcerpt() {
    String longBody = "x".repeat(5000);
    for (int i = 0; i < 3; i++) {
      server.enqueue(new MockResponse.Builder().code(500).body("boom " + i + " " + longBody)
          .build());
    }

    UpstreamStatusException e = catchThrowableOfType(UpstreamStatusException.class,
        () -> fetcher.fetch(registration("/jwks", b -> { }), null));

    assertThat(e.status()).isEqualTo(500);
    assertThat(e.bodyExcerpt()).startsWith("boom 2 xxx").hasSize(BoundedBody.EXCERPT_CHARS);
    assertThat(server.getRequestCount()).isEqualTo(3);
  }

  @Test
  void twoServerErrorsThenSuccessSucceedsOnTheThirdRequest() {
    server.enqueue(new MockResponse.Builder().code(500).build());
    server.enqueue(new MockResponse.Builder().code(502).body("bad gateway").build());
    server.enqueue(ok(TestKeys.publicJwks()));

    FetchResult result = fetcher.fetch(registration("/jwks", b -> { }), null);

    assertThat(result).isExactlyInstanceOf(FetchResult.Fetched.class);
    assertThat(server.getRequestCount()).isEqualTo(3);
  }

  @Test
  void badRequestIsNotRetried() {
    server.enqueue(new MockResponse.Builder().code(400).body("bad").build());
    server.enqueue(ok(TestKeys.publicJwks()));

    UpstreamStatusException e = catchThrowableOfType(UpstreamStatusException.class,
        () -> fetcher.fetch(registration("/jwks", b -> { }), null));

    assertThat(e.status()).isEqualTo(400);
    assertThat(e.bodyExcerpt()).isEqualTo("bad");
    assertThat(server.getRequestCount()).isEqualTo(1);
  }

  @Test
  void requestTimeoutAndTooManyRequestsAreRetried() {
    server.enqueue(new MockResponse.Builder().code(408).build());
    server.enqueue(new MockResponse.Builder().code(429).build());
    server.enqueue(ok(TestKeys.publicJwks()));

    FetchResult result = fetcher.fetch(registration("/jwks", b -> { }), null);

    assertThat(result).isExactlyInstanceOf(FetchResult.Fetched.class);
    assertThat(server.getRequestCount()).isEqualTo(3);
  }

  @Test
  void retryAfterWithinTheDeadlineIsWaitedFor() {
    server.enqueue(new MockResponse.Builder().code(503).addHeader("Retry-After", "1").build());
    server.enqueue(ok(TestKeys.publicJwks()));
    ProviderRegistration reg = registration("/jwks", b -> b.retryPolicy(FAST.toBuilder()
        .deadline(Duration.ofSeconds(5)).build()));

    long start = System.nanoTime();
    FetchResult result = fetcher.fetch(reg, null);
    long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

    assertThat(result).isExactlyInstanceOf(FetchResult.Fetched.class);
    assertThat(server.getRequestCount()).isEqualTo(2);
    assertThat(elapsedMs).isGreaterThanOrEqualTo(1000);
  }

  @Test
  void retryAfterBeyondTheDeadlineStopsAtOnceAndIsReported() {
    server.enqueue(new MockResponse.Builder().code(503).addHeader("Retry-After", "30")
        .body("maintenance").build());
    server.enqueue(ok(TestKeys.publicJwks()));
    ProviderRegistration reg = registration("/jwks", b -> b.retryPolicy(FAST.toBuilder()
        .deadline(Duration.ofSeconds(5)).build()));

    long start = System.nanoTime();
    UpstreamStatusException e = catchThrowableOfType(UpstreamStatusException.class,
        () -> fetcher.fetch(reg, null));
    long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

    assertThat(e).isExactlyInstanceOf(UpstreamStatusException.class);
    assertThat(e.status()).isEqualTo(503);
    assertThat(e.retryAfter()).contains(Duration.ofSeconds(30));
    assertThat(e.bodyExcerpt()).isEqualTo("maintenance");
    assertThat(server.getRequestCount()).isEqualTo(1);
    assertThat(elapsedMs).isLessThan(2000);
  }

  @Test
  void retryAfterAsHttpDateIsMeasuredFromTheResponseDate() {
    server.enqueue(new MockResponse.Builder().code(429)
        .addHeader("Date", "Mon, 01 Jan 2024 00:00:00 GMT")
        .addHeader("Retry-After", "Mon, 01 Jan 2024 00:02:00 GMT").build());

    UpstreamStatusException e = catchThrowableOfType(UpstreamStatusException.class,
        () -> fetcher.fetch(registration("/jwks", b -> { }), null));

    assertThat(e.status()).isEqualTo(429);
    assertThat(e.retryAfter()).contains(Duration.ofMinutes(2));
    assertThat(server.getRequestCount()).isEqualTo(1);
  }

  // ---------------------------------------------------------------- redirects

  @Test
  void redirectChainIsFollowedHopByHop() throws Exception {
    server.enqueue(redirect(302, "/b"));
    server.enqueue(redirect(301, server.url("/c").toString()));
    server.enqueue(redirect(307, "d?x=1"));
    server.enqueue(ok(TestKeys.publicJwks()));

    FetchResult.Fetched fetched = (FetchResult.Fetched) fetcher.fetch(
        registration("/a", b -> b.maxRedirects(3)), null);

    assertThat(fetched.finalUrl()).isEqualTo(server.url("/d?x=1").toString());
    assertThat(server.getRequestCount()).isEqualTo(4);
    for (String path : List.of("/a", "/b", "/c", "/d?x=1")) {
      RecordedRequest r = server.takeRequest(1, TimeUnit.SECONDS);
      assertThat(r.getTarget()).isEqualTo(path);
      assertThat(r.getHeaders().values("Accept-Encoding")).isEmpty();
    }
  }

  @Test
  void redirectHostIsCanonicalisedBeforeTheAllowlistCheckAndTheConnection() throws Exception {
    server.enqueue(redirect(302, "http://LOCALHOST.:" + server.getPort() + "/b"));
    server.enqueue(ok(TestKeys.publicJwks()));

    FetchResult.Fetched fetched = (FetchResult.Fetched) fetcher.fetch(
        registration("/a", b -> b.allowedDomains(List.of("localhost"))), null);

    assertThat(fetched.finalUrl()).isEqualTo("http://localhost:" + server.getPort() + "/b");
    assertThat(server.getRequestCount()).isEqualTo(2);
  }

  @Test
  void tooManyRedirectsIsASecurityViolation() {
    for (int i = 1; i <= 4; i++) {
      server.enqueue(redirect(302, "/r" + i));
    }

    SecurityViolationException e = catchThrowableOfType(SecurityViolationException.class,
        () -> fetcher.fetch(registration("/r0", b -> b.maxRedirects(2)), null));

    assertThat(e).isExactlyInstanceOf(SecurityViolationException.class);
    assertThat(e.getMessage()).contains("too many redirects", "max_redirects=2",
        server.url("/r2").toString());
    assertThat(server.getRequestCount()).isEqualTo(3);
  }

  @Test
  void zeroMaxRedirectsRefusesTheFirstRedirect() {
    server.enqueue(redirect(301, "/elsewhere"));
    assertThatThrownBy(() -> fetcher.fetch(registration("/jwks", b -> b.maxRedirects(0)), null))
        .isExactlyInstanceOf(SecurityViolationException.class)
        .hasMessageContaining("max_redirects=0");
    assertThat(server.getRequestCount()).isEqualTo(1);
  }

  @Test
  void redirectLoopIsASecurityViolation() {
    server.enqueue(redirect(302, "/b"));
    server.enqueue(redirect(302, "/a"));

    SecurityViolationException e = catchThrowableOfType(SecurityViolationException.class,
        () -> fetcher.fetch(registration("/a", b -> b.maxRedirects(10)), null));

    assertThat(e.getMessage()).contains("loop", server.url("/a").toString());
    assertThat(server.getRequestCount()).isEqualTo(2);
  }

  @Test
  void redirectOutsideTheAllowlistIsASecurityViolation() {
    String outside = "http://127.0.0.1:" + server.getPort() + "/jwks";
    server.enqueue(redirect(302, outside));
    server.enqueue(ok(TestKeys.publicJwks()));

    SecurityViolationException e = catchThrowableOfType(SecurityViolationException.class,
        () -> fetcher.fetch(registration("/jwks", b -> b.allowedDomains(List.of("localhost"))),
            null));

    assertThat(e.getMessage()).contains("127.0.0.1", "allowed_domains", outside);
    assertThat(server.getRequestCount()).isEqualTo(1);
  }

  @Test
  void redirectToANonHttpSchemeIsASecurityViolation() {
    server.enqueue(redirect(302, "file:///etc/passwd"));
    assertThatThrownBy(() -> fetcher.fetch(registration("/jwks", b -> { }), null))
        .isExactlyInstanceOf(SecurityViolationException.class)
        .hasMessageContaining("not an http(s) URL");
    assertThat(server.getRequestCount()).isEqualTo(1);
  }

  @Test
  void redirectWithoutLocationIsAnUpstreamError() {
    server.enqueue(new MockResponse.Builder().code(302).body("moved").build());
    UpstreamStatusException e = catchThrowableOfType(UpstreamStatusException.class,
        () -> fetcher.fetch(registration("/jwks", b -> { }), null));
    assertThat(e.status()).isEqualTo(302);
    assertThat(server.getRequestCount()).isEqualTo(1);
  }

  @Test
  void httpsToHttpRedirectIsRefusedWhenHttpsIsRequired() throws Exception {
    HeldCertificate certificate = new HeldCertificate.Builder()
        .addSubjectAlternativeName("localhost").build();
    HandshakeCertificates serverCerts = new HandshakeCertificates.Builder()
        .heldCertificate(certificate).build();
    HandshakeCertificates clientCerts = new HandshakeCertificates.Builder()
        .addTrustedCertificate(certificate.certificate()).build();
    // SecureClients takes a trust manager; until the real one honours it, the test client trusts
    // the test CA through the fetcher's package-private customiser.
    try (MockWebServer tls = new MockWebServer();
        JwksFetcher tlsFetcher = new JwksFetcher(
            new SecureClients(clientCerts.trustManager(), false), Clock.systemUTC(),
            new Random(7),
            b -> b.sslSocketFactory(clientCerts.sslSocketFactory(), clientCerts.trustManager()))) {
      tls.useHttps(serverCerts.sslSocketFactory());
      tls.start();
      String plain = server.url("/jwks").toString();
      tls.enqueue(ok(TestKeys.publicJwks()));
      tls.enqueue(redirect(302, plain));
      ProviderRegistration https = ProviderRegistration.builder("tenant-a", "idp",
          tls.url("/jwks").toString()).retryPolicy(FAST).build();
      assertThat(https.requireHttps()).isTrue();

      // the TLS set-up itself works
      assertThat(tlsFetcher.fetch(https, null)).isExactlyInstanceOf(FetchResult.Fetched.class);

      SecurityViolationException e = catchThrowableOfType(SecurityViolationException.class,
          () -> tlsFetcher.fetch(https, null));
      assertThat(e.getMessage()).contains("require_https", plain);
      assertThat(tls.getRequestCount()).isEqualTo(2);
      assertThat(server.getRequestCount()).isZero();
    }
  }

  // ---------------------------------------------------------------- body limits and encodings

  @Test
  void declaredContentLengthOverTheCapIsRefusedBeforeReading() throws Exception {
    long declared = 64L * 1024 * 1024;
    FloodBody body = new FloodBody(declared, false);
    server.enqueue(new MockResponse.Builder().body(body).build());

    InvalidJwksException e = catchThrowableOfType(InvalidJwksException.class,
        () -> fetcher.fetch(registration("/jwks", b -> b.maxResponseBytes(16 * 1024)), null));

    assertThat(e).isExactlyInstanceOf(InvalidJwksException.class);
    assertThat(e.getMessage()).contains("max_response_bytes", "16384",
        "Content-Length: " + declared, server.url("/jwks").toString());
    assertThat(e.url()).isEqualTo(server.url("/jwks").toString());
    assertThat(body.finished.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(body.failure.get()).as("the server saw the connection dropped").isNotNull();
    assertThat(body.written.get()).isLessThan(declared / 4);
    assertThat(server.getRequestCount()).isEqualTo(1);
  }

  @Test
  void chunkedBodyOverTheCapIsAbandonedAsSoonAsItPassesTheCap() throws Exception {
    long total = 256L * 1024 * 1024;
    FloodBody body = new FloodBody(total, true);
    server.enqueue(new MockResponse.Builder().body(body)
        .removeHeader("Content-Length")
        .addHeader("Transfer-Encoding", "chunked")
        .build());

    long start = System.nanoTime();
    InvalidJwksException e = catchThrowableOfType(InvalidJwksException.class,
        () -> fetcher.fetch(registration("/jwks", b -> b.maxResponseBytes(64 * 1024)), null));
    long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

    assertThat(e).isExactlyInstanceOf(InvalidJwksException.class);
    assertThat(e.getMessage()).contains("max_response_bytes", "65536",
        server.url("/jwks").toString()).doesNotContain("Content-Length:");
    assertThat(body.finished.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(body.failure.get()).as("the server saw the connection dropped").isNotNull();
    assertThat(body.written.get()).isLessThan(total / 4);
    assertThat(elapsedMs).isLessThan(5000);
    assertThat(server.getRequestCount()).isEqualTo(1);
  }

  @Test
  void bodyExactlyAtTheCapIsAccepted() {
    String jwks = TestKeys.publicJwks();
    server.enqueue(new MockResponse.Builder().chunkedBody(jwks, 64).build());
    int size = jwks.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;

    FetchResult result = fetcher.fetch(registration("/jwks", b -> b.maxResponseBytes(size)),
        null);

    assertThat(result).isExactlyInstanceOf(FetchResult.Fetched.class);
  }

  @Test
  void gzipEncodedResponseIsRefused() throws Exception {
    Buffer gzipped = new Buffer();
    try (BufferedSink sink = Okio.buffer(new GzipSink(gzipped))) {
      sink.writeUtf8(TestKeys.publicJwks());
    }
    server.enqueue(new MockResponse.Builder().body(gzipped)
        .addHeader("Content-Encoding", "gzip").build());

    InvalidJwksException e = catchThrowableOfType(InvalidJwksException.class,
        () -> fetcher.fetch(registration("/jwks", b -> { }), null));

    assertThat(e).isExactlyInstanceOf(InvalidJwksException.class);
    assertThat(e.getMessage()).contains("Content-Encoding", "gzip");
    assertThat(server.getRequestCount()).isEqualTo(1);
    RecordedRequest request = server.takeRequest(1, TimeUnit.SECONDS);
    assertThat(request.getHeaders().values("Accept-Encoding")).isEmpty();
  }

  @Test
  void malformedJsonIsInvalidAndNotRetried() {
    server.enqueue(ok("{\"keys\": [ {\"kty\": \"RSA\", "));
    server.enqueue(ok(TestKeys.publicJwks()));

    assertThatThrownBy(() -> fetcher.fetch(registration("/jwks", b -> { }), null))
        .isExactlyInstanceOf(InvalidJwksException.class)
        .hasMessageContaining(server.url("/jwks").toString());
    assertThat(server.getRequestCount()).isEqualTo(1);
  }

  // ---------------------------------------------------------------- I/O failures

  @Test
  void slowBodyPastTheAttemptTimeoutIsATimeout() {
    server.enqueue(ok(TestKeys.publicJwks()).newBuilder()
        .throttleBody(16, 250, TimeUnit.MILLISECONDS).build());
    ProviderRegistration reg = registration("/jwks", b -> b.retryPolicy(FAST.toBuilder()
        .maxRetries(0).attemptTimeout(Duration.ofMillis(400)).deadline(Duration.ofSeconds(1))
        .build()));

    long start = System.nanoTime();
    FetchFailureException e = catchThrowableOfType(FetchFailureException.class,
        () -> fetcher.fetch(reg, null));
    long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

    assertThat(e).isExactlyInstanceOf(FetchFailureException.class);
    assertThat(e.kind()).isEqualTo(FetchFailureException.Kind.TIMEOUT);
    assertThat(e.url()).isEqualTo(server.url("/jwks").toString());
    assertThat(e.getMessage()).contains("timed out", "retry_policy.attempt_timeout");
    assertThat(elapsedMs).isBetween(350L, 3000L);
    assertThat(server.getRequestCount()).isEqualTo(1);
  }

  @Test
  void timeoutsAreRetriedWithinTheDeadline() {
    server.enqueue(ok(TestKeys.publicJwks()).newBuilder()
        .headersDelay(3, TimeUnit.SECONDS).build());
    server.enqueue(ok(TestKeys.publicJwks()));
    ProviderRegistration reg = registration("/jwks", b -> b.retryPolicy(FAST.toBuilder()
        .attemptTimeout(Duration.ofSeconds(1)).deadline(Duration.ofSeconds(3)).build()));

    FetchResult result = fetcher.fetch(reg, null);

    assertThat(result).isExactlyInstanceOf(FetchResult.Fetched.class);
    assertThat(server.getRequestCount()).isEqualTo(2);
  }

  @Test
  void connectionDroppedMidResponseIsRetried() {
    server.enqueue(ok(TestKeys.publicJwks()).newBuilder()
        .onResponseStart(new SocketEffect.CloseSocket()).build());
    server.enqueue(ok(TestKeys.publicJwks()));

    FetchResult result = fetcher.fetch(registration("/jwks", b -> { }), null);

    assertThat(result).isExactlyInstanceOf(FetchResult.Fetched.class);
    assertThat(server.getRequestCount()).isEqualTo(2);
  }

  @Test
  void connectionRefusedIsAConnectionFailure() throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    ProviderRegistration reg = ProviderRegistration.builder("tenant-a", "idp",
        "http://localhost:" + port + "/jwks").requireHttps(false).retryPolicy(FAST).build();

    FetchFailureException e = catchThrowableOfType(FetchFailureException.class,
        () -> fetcher.fetch(reg, null));

    assertThat(e).isExactlyInstanceOf(FetchFailureException.class);
    assertThat(e.kind()).isEqualTo(FetchFailureException.Kind.CONNECTION);
    assertThat(e.getMessage()).contains("http://localhost:" + port + "/jwks");
  }

  @Test
  void unknownHostIsADnsFailure() {
    ProviderRegistration reg = ProviderRegistration.builder("tenant-a", "idp",
        "http://no-such-host.invalid/jwks").requireHttps(false)
        .retryPolicy(FAST.toBuilder().maxRetries(0).build()).build();

    FetchFailureException e = catchThrowableOfType(FetchFailureException.class,
        () -> fetcher.fetch(reg, null));

    assertThat(e).isExactlyInstanceOf(FetchFailureException.class);
    assertThat(e.kind()).isEqualTo(FetchFailureException.Kind.DNS);
    assertThat(e.getMessage()).contains("no-such-host.invalid", "DNS");
  }

  @Test
  void interruptedCallerFailsFastAndKeepsItsInterruptFlag() {
    Thread.currentThread().interrupt();
    try {
      FetchFailureException e = catchThrowableOfType(FetchFailureException.class,
          () -> fetcher.fetch(registration("/jwks", b -> { }), null));
      assertThat(e.kind()).isEqualTo(FetchFailureException.Kind.INTERRUPTED);
      assertThat(Thread.currentThread().isInterrupted()).isTrue();
      assertThat(server.getRequestCount()).isZero();
    } finally {
      Thread.interrupted();
    }
  }

  @Test
  void interruptDuringBackoffStopsTheSequenceAndRestoresTheFlag() throws Exception {
    server.enqueue(new MockResponse.Builder().code(500).build());
    server.enqueue(ok(TestKeys.publicJwks()));
    ProviderRegistration reg = registration("/jwks", b -> b.retryPolicy(FAST.toBuilder()
        .initialBackoff(Duration.ofSeconds(5)).maxBackoff(Duration.ofSeconds(5))
        .deadline(Duration.ofSeconds(8)).build()));
    AtomicReference<Thread> worker = new AtomicReference<>();
    AtomicBoolean flagAfter = new AtomicBoolean();
    CompletableFuture<Throwable> outcome = new CompletableFuture<>();
    Thread t = new Thread(() -> {
      try {
        fetcher.fetch(reg, null);
        outcome.complete(null);
      } catch (Throwable e) {
        flagAfter.set(Thread.currentThread().isInterrupted());
        outcome.complete(e);
      }
    });
    worker.set(t);
    t.start();
    assertThat(server.takeRequest(5, TimeUnit.SECONDS)).isNotNull();
    Thread.sleep(200);
    t.interrupt();

    Throwable thrown = outcome.get(3, TimeUnit.SECONDS);

    assertThat(thrown).isExactlyInstanceOf(FetchFailureException.class);
    assertThat(((FetchFailureException) thrown).kind())
        .isEqualTo(FetchFailureException.Kind.INTERRUPTED);
    assertThat(flagAfter.get()).isTrue();
    assertThat(server.getRequestCount()).isEqualTo(1);
  }

  // ---------------------------------------------------------------- helpers

  private ProviderRegistration registration(String path,
      Consumer<ProviderRegistration.Builder> customise) {
    ProviderRegistration.Builder b = ProviderRegistration.builder("tenant-a", "idp",
        server.url(path).toString()).requireHttps(false).retryPolicy(FAST);
    customise.accept(b);
    return b.build();
  }

  private static MockResponse ok(String body) {
    return new MockResponse.Builder().code(200)
        .addHeader("Content-Type", "application/jwk-set+json").body(body).build();
  }

  private static MockResponse redirect(int code, String location) {
    return new MockResponse.Builder().code(code).addHeader("Location", location).build();
  }


}
