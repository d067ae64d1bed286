package dev.jwkscache;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyType;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import dev.jwkscache.FetchFailureException.Kind;
import dev.jwkscache.internal.http.JwksParser;
import dev.jwkscache.testing.FloodBody;
import dev.jwkscache.testing.JwksServer;
import dev.jwkscache.testing.ManualTime;
import dev.jwkscache.testing.RefreshEvents;
import dev.jwkscache.testing.TestKeys;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.SocketEffect;
import okio.Buffer;
import okio.BufferedSink;
import okio.GzipSink;
import okio.Okio;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The hostile-upstream suite (issue 4; SECURITY.md, "Hostile upstream"). A loopback server
 * misbehaves in every way listed there, and everything goes through the public {@link Registry}:
 *
 * <ol>
 *   <li>a first load against the hostile server fails with the documented exception type and
 *       message ({@link #aFirstLoadFailsWithTheDocumentedError});</li>
 *   <li>a pair that holds a good set keeps serving that very instance when a refresh, manual
 *       ({@link #aManualRefreshKeepsTheCachedSet}) or in the background
 *       ({@link #aBackgroundRefreshKeepsTheCachedSet}), meets the hostile server, and its status
 *       counts the failure;</li>
 *   <li>after {@code close()} no thread of ours stays alive (checked after every test, see
 *       {@link #assertNoThreadOfOursOutlivesClose});</li>
 *   <li>where the case is about size, the bytes that crossed the wire and the memory the fetch
 *       allocated are bounded, and the bound is asserted.</li>
 * </ol>
 *
 * <p>Attempt timeouts are a few hundred milliseconds and retries are off, so the whole class runs
 * in seconds.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class HostileUpstreamTest {
  private static final String T = "tenant-h";
  private static final String P = "idp";
  private static final String GOOD = TestKeys.publicJwks(TestKeys.rsa("k1"), TestKeys.ec("e1"));
  private static final Duration ATTEMPT = Duration.ofMillis(400);
  private static final Duration MIN_TTL = Duration.ofSeconds(60);
  private static final Duration MAX_TTL = Duration.ofHours(1);
  private static final int KIB = 1024;
  private static final int MIB = 1024 * 1024;
  /** How long close() and the threads it stops may take before a leftover counts as a leak. */
  private static final Duration THREAD_GRACE = Duration.ofSeconds(3);

  private final ManualTime time = new ManualTime();
  private final RefreshEvents events = new RefreshEvents();
  private final List<AutoCloseable> servers = new ArrayList<>();
  private Set<Thread> threadsBefore;
  private JwksServer upstream;
  private RawServer raw;
  private Registry registry;

  @BeforeEach
  void start() {
    threadsBefore = Set.copyOf(Thread.getAllStackTraces().keySet());
    upstream = track(new JwksServer());
    registry = newRegistry(b -> b);
  }

  @AfterEach
  void stop() throws Exception {
    registry.close();
    assertNoThreadOfOursOutlivesClose();
    for (AutoCloseable s : servers) {
      s.close();
    }
  }

  private Registry newRegistry(UnaryOperator<Registry.Builder> customise) {
    return customise.apply(Registry.builder().requireHttps(false).clock(time).scheduler(time)
        .listener(events).random(new SplittableRandom(11))).build();
  }

  private static ProviderRegistration.Builder registration(String url) {
    return ProviderRegistration.builder(T, P, url).prefetchJitter(Duration.ZERO)
        .minTtl(MIN_TTL).maxTtl(MAX_TTL)
        .retryPolicy(RetryPolicy.builder().maxRetries(0).attemptTimeout(ATTEMPT)
            .initialBackoff(Duration.ofSeconds(5)).maxBackoff(Duration.ofSeconds(20))
            .deadline(Duration.ofSeconds(3)).jitter(JitterStrategy.NONE).build());
  }

  // ================================================================ the hostile behaviours

  /**
   * One hostile behaviour: what the server does (a MockWebServer responder, or a mode of the raw
   * TCP server for what MockWebServer cannot do), what the registration needs, and the error the
   * caller must get.
   */
  record Hostile(String name, Function<RecordedRequest, MockResponse> responder,
      RawServer.Mode rawMode, UnaryOperator<ProviderRegistration.Builder> registration,
      Class<? extends JwksCacheException> type, Kind kind, List<String> message) {
    @Override
    public String toString() {
      return name;
    }
  }

  private static Hostile mock(String name, Function<RecordedRequest, MockResponse> responder,
      UnaryOperator<ProviderRegistration.Builder> registration,
      Class<? extends JwksCacheException> type, Kind kind, String... message) {
    return new Hostile(name, responder, null, registration, type, kind, List.of(message));
  }

  private static Hostile invalid(String name, String body, String... message) {
    return mock(name, r -> ok(body).build(), b -> b, InvalidJwksException.class, null, message);
  }

  private static Hostile raw(String name, RawServer.Mode mode, Kind kind, String... message) {
    return new Hostile(name, null, mode, b -> b, FetchFailureException.class, kind,
        List.of(message));
  }

  static Stream<Hostile> hostileUpstreams() {
    String timedOut = "timed out after " + ATTEMPT.toMillis() + " ms";
    String lyingSmall = GOOD.substring(0, 40);
    return Stream.of(
        // ---- size
        mock("body over max_response_bytes, with Content-Length",
            r -> new MockResponse.Builder().body(new FloodBody(64L * MIB, false)).build(),
            b -> b.maxResponseBytes(64 * KIB), InvalidJwksException.class, null,
            "larger than max_response_bytes (65536 bytes)", "Content-Length: " + 64L * MIB),
        mock("body over max_response_bytes, chunked (no Content-Length)",
            r -> FloodBody.chunkedResponse(new FloodBody(64L * MIB, true), 200),
            b -> b.maxResponseBytes(64 * KIB), InvalidJwksException.class, null,
            "larger than max_response_bytes (65536 bytes)", "reading stopped there"),
        mock("Content-Length over the limit, body small",
            r -> ok(GOOD).setHeader("Content-Length", 10L * MIB).build(),
            b -> b.maxResponseBytes(64 * KIB), InvalidJwksException.class, null,
            "larger than max_response_bytes", "Content-Length: " + 10L * MIB),
        mock("Content-Length declares less than is sent",
            r -> ok(GOOD).setHeader("Content-Length", lyingSmall.length()).build(),
            b -> b, InvalidJwksException.class, null, "is not a JSON object"),
        mock("Content-Length declares more than is sent, then the connection closes",
            r -> ok(GOOD).setHeader("Content-Length", GOOD.length() + 1000)
                .onResponseEnd(SocketEffect.ShutdownConnection.INSTANCE).build(),
            b -> b, FetchFailureException.class, Kind.CONNECTION, "unexpected end of stream"),
        mock("Content-Length declares more than is sent, then silence",
            r -> ok(GOOD).setHeader("Content-Length", GOOD.length() + 1000).build(),
            b -> b, FetchFailureException.class, Kind.TIMEOUT, timedOut),
        // ---- slow, silent, broken connections
        mock("body trickling one byte per second",
            r -> ok(GOOD).throttleBody(1, 1, TimeUnit.SECONDS).build(),
            b -> b, FetchFailureException.class, Kind.TIMEOUT, timedOut),
        mock("body trickling one byte every 20 ms (no single read is slow)",
            r -> ok(GOOD).throttleBody(1, 20, TimeUnit.MILLISECONDS).build(),
            b -> b, FetchFailureException.class, Kind.TIMEOUT, timedOut),
        mock("request read, headers never sent",
            r -> ok(GOOD).onResponseStart(SocketEffect.Stall.INSTANCE).build(),
            b -> b, FetchFailureException.class, Kind.TIMEOUT, timedOut),
        raw("connection accepted, request never read, nothing ever sent", RawServer.Mode.SILENT,
            Kind.TIMEOUT, timedOut),
        raw("connection reset (RST) after the request", RawServer.Mode.RESET, Kind.CONNECTION,
            "Connection to ", "reset"),
        mock("connection closed before the status line",
            r -> ok(GOOD).onResponseStart(new SocketEffect.CloseSocket()).build(),
            b -> b, FetchFailureException.class, Kind.CONNECTION, "Connection to "),
        // ---- encodings
        mock("gzip-encoded body although no Accept-Encoding was sent",
            r -> ok("").body(gzip(GOOD)).addHeader("Content-Encoding", "gzip").build(),
            b -> b, InvalidJwksException.class, null, "Content-Encoding 'gzip'",
            "although none was requested"),
        mock("brotli-encoded body, coding listed after identity",
            r -> ok(GOOD).addHeader("Content-Encoding", "identity, br").build(),
            b -> b, InvalidJwksException.class, null, "Content-Encoding 'br'"),
        mock("gzip bytes without a Content-Encoding", r -> ok("").body(gzip(GOOD)).build(),
            b -> b, InvalidJwksException.class, null, "not valid UTF-8"),
        // ---- JSON bombs and malformed documents
        invalid("deeply nested arrays (100,000 levels)",
            "{\"keys\":" + "[".repeat(100_000) + "]".repeat(100_000) + "}",
            "nested deeper than 32 levels"),
        invalid("deeply nested objects, unterminated", "{\"a\":".repeat(200_000),
            "nested deeper than 32 levels"),
        invalid("an array of 200,000 empty objects as keys", manyEmptyObjects(200_000),
            "more than " + JwksParser.MAX_JSON_VALUES + " JSON values",
            "at most " + JwksParser.MAX_KEYS + " keys"),
        invalid("keys missing", "{\"kys\":[" + GOOD.substring(9), "no \"keys\" member"),
        invalid("keys not an array", "{\"keys\":{\"kty\":\"RSA\"}}",
            "\"keys\" member is not an array"),
        invalid("keys is null", "{\"keys\":null}", "no \"keys\" member"),
        invalid("top level is an array", "[" + GOOD + "]", "not a JSON object"),
        invalid("HTML instead of JSON", "<html><body>Login</body></html>", "not a JSON object"),
        invalid("truncated JSON", GOOD.substring(0, GOOD.length() / 2), "not a JSON object"),
        invalid("empty body", "", "the body is empty"),
        invalid("only keys of unknown kty", "{\"keys\":[{\"kty\":\"XYZ\",\"kid\":\"u1\"},"
            + "{\"kty\":\"RSA\",\"kid\":\"no-modulus\"}]}", "none of its 2 keys parsed"),
        invalid("only symmetric oct keys",
            "{\"keys\":[{\"kty\":\"oct\",\"kid\":\"s1\",\"k\":\"GawgguFyGrWKav7AX4VKUg\"}]}",
            "symmetric (oct)"),
        mock("error status with an endless body",
            r -> FloodBody.chunkedResponse(new FloodBody(64L * MIB, true), 500),
            b -> b, UpstreamStatusException.class, null, "answered HTTP 500: {\"keys\":["),
        mock("503 with an absurd Retry-After",
            r -> new MockResponse.Builder().code(503)
                .addHeader("Retry-After", "99999999999999999999").body("later").build(),
            b -> b, UpstreamStatusException.class, null, "answered HTTP 503: later"),
        mock("407 Proxy Authentication Required from the origin itself",
            r -> new MockResponse.Builder().code(407).body("who are you").build(),
            b -> b, FetchFailureException.class, Kind.CONNECTION, "407"),
        mock("512 KiB of response headers", HostileUpstreamTest::headerFlood,
            b -> b, FetchFailureException.class, Kind.CONNECTION, "Connection to "),
        // ---- redirects
        mock("redirect loop",
            r -> redirect(r.getUrl().resolve("/.well-known/jwks.json").toString()),
            b -> b, SecurityViolationException.class, null, "redirect loop"),
        mock("10 redirects with max_redirects 3", HostileUpstreamTest::tenRedirects,
            b -> b, SecurityViolationException.class, null, "too many redirects (max_redirects=3)"),
        mock("11 redirects with max_redirects 10", r -> r.getUrl().encodedPath().equals("/r10")
                ? redirect("/r11") : tenRedirects(r),
            b -> b.maxRedirects(10), SecurityViolationException.class, null,
            "too many redirects (max_redirects=10)"),
        mock("redirect to a host outside the allowlist",
            r -> redirect(r.getUrl().newBuilder().host("127.0.0.1").build().toString()),
            b -> b.addAllowedDomain("localhost"), SecurityViolationException.class, null,
            "host '127.0.0.1' is outside allowed_domains [localhost]"),
        mock("redirect to the cloud metadata address",
            r -> redirect("http://169.254.169.254/latest/meta-data/"),
            b -> b, SecurityViolationException.class, null, "169.254.169.254"),
        mock("redirect to a non-http scheme", r -> redirect("file:///etc/passwd"),
            b -> b, SecurityViolationException.class, null, "not an http(s) URL"),
        mock("redirect carrying credentials",
            r -> redirect(r.getUrl().newBuilder().username("u").password("p").build().toString()),
            b -> b, SecurityViolationException.class, null, "credentials"));
  }

  // ================================================================ (1) first load

  @ParameterizedTest(name = "{0}")
  @MethodSource("hostileUpstreams")
  void aFirstLoadFailsWithTheDocumentedError(Hostile h) {
    arm(h);
    registry.register(h.registration().apply(registration(urlFor(h))).build());

    long t0 = System.nanoTime();
    Throwable e = catchThrowable(() -> registry.resolve(T, P));
    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);

    assertTyped(e, h);
    assertThat(ms).as("bounded by the attempt timeout, not by the server").isLessThan(2_500);
    ProviderStatus status = registry.providerStatus(T, P);
    assertThat(status.state()).isEqualTo(ProviderState.EMPTY);
    assertThat(metric(status, "jwks_cache_refresh_errors_total")).isEqualTo(1);
    assertThat(metric(status, "jwks_cache_refresh_success_total")).isZero();
  }

  // ================================================================ (2) the cached set survives

  @ParameterizedTest(name = "{0}")
  @MethodSource("hostileUpstreams")
  void aManualRefreshKeepsTheCachedSet(Hostile h) throws Exception {
    serveGood(h);
    registry.register(h.registration().apply(registration(urlFor(h))).build());
    JWKSet cached = registry.resolve(T, P);
    JWK k1 = registry.resolveKey(T, P, "k1");
    arm(h);

    Throwable e = catchThrowable(() -> registry.refresh(T, P).get(10, TimeUnit.SECONDS));

    assertThat(e).isInstanceOf(ExecutionException.class);
    assertTyped(e.getCause(), h);
    assertKeptAfterOneFailure(cached, k1, e.getCause());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("hostileUpstreams")
  void aBackgroundRefreshKeepsTheCachedSet(Hostile h) {
    serveGood(h);
    registry.register(h.registration().apply(registration(urlFor(h))).build());
    JWKSet cached = registry.resolve(T, P);
    JWK k1 = registry.resolveKey(T, P, "k1");
    events.drain();
    arm(h);

    // max-age=300, refresh_early 30 s: the background refresh is due at t=270 s.
    time.advance(Duration.ofSeconds(270));
    events.await(1);

    assertThat(events.failures()).isEqualTo(1);
    assertKeptAfterOneFailure(cached, k1, null);
    assertThat(registry.providerStatus(T, P).lastError()).contains(h.message());
  }

  private void assertKeptAfterOneFailure(JWKSet cached, JWK k1, Throwable error) {
    assertThat(registry.resolve(T, P)).isSameAs(cached);
    assertThat(registry.resolveKey(T, P, "k1")).isSameAs(k1);
    ProviderStatus status = registry.providerStatus(T, P);
    assertThat(status.state()).isEqualTo(ProviderState.READY);
    assertThat(status.errorCount()).isEqualTo(1);
    assertThat(metric(status, "jwks_cache_refresh_errors_total")).isEqualTo(1);
    if (error != null) {
      assertThat(status.lastError()).isEqualTo(error.getMessage());
    }
  }

  // ================================================================ (4) size: bytes and heap

  /**
   * A 256 MiB body against a 64 KiB limit. The client reads at most limit + 1 bytes and then
   * drops the connection; the server can push only what the loopback socket buffers absorb
   * beyond that (a few MiB on Linux), so it fails long before the end. The bounds asserted: the
   * server wrote less than 16 MiB of the 256 (measured: about 2 MiB), it saw the connection
   * fail, and the fetch threads allocated less than 8 MiB while the response was refused
   * (measured: 0.1 to 3 MB, the first fetch of a JVM included).
   */
  @ParameterizedTest(name = "chunked={0}")
  @ValueSource(booleans = {false, true})
  void anOversizedBodyIsCutOffAndNeverBuffered(boolean chunked) throws Exception {
    long total = 256L * MIB;
    AtomicReference<FloodBody> flood = new AtomicReference<>();
    upstream.respond(r -> {
      FloodBody f = new FloodBody(total, chunked);
      flood.set(f);
      return chunked ? FloodBody.chunkedResponse(f, 200) : new MockResponse.Builder().body(f).build();
    });
    registry.register(registration(upstream.url()).maxResponseBytes(64 * KIB).build());
    long allocatedBefore = fetchThreadsAllocatedBytes();

    long t0 = System.nanoTime();
    Throwable e = catchThrowable(() -> registry.resolve(T, P));
    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);

    assertThat(e).isExactlyInstanceOf(InvalidJwksException.class)
        .hasMessageContaining("max_response_bytes (65536 bytes)");
    assertThat(flood.get().finished.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(flood.get().failure.get()).as("the server saw the connection dropped").isNotNull();
    assertThat(flood.get().written.get()).isLessThan(16L * MIB);
    assertThat(ms).isLessThan(5_000);
    long allocated = fetchThreadsAllocatedBytes() - allocatedBefore;
    if (allocatedBefore >= 0) {
      assertThat(allocated).as("bytes allocated by the fetch threads").isLessThan(8L * MIB);
    }
  }

  /**
   * Content-Length declares 11 bytes and the server sends more. We read exactly the declared
   * bytes (HTTP/1.1 framing): they are the body, and nothing beyond them is read for it. The
   * surplus stays on the connection; if the pool hands that connection out again, the surplus is
   * read as the next response of the same server, which is that server's to decide anyway (the
   * pool is keyed by scheme, host, port and TLS settings, so no other host ever reads it).
   * Surplus that is not a response fails that attempt as a connection error and the connection is
   * discarded, so the retry, or the next refresh, gets a clean one.
   */
  @Test
  void aLyingContentLengthIsReadAsDeclaredAndItsSurplusStaysWithThatServer() throws Exception {
    upstream.serve(GOOD, 300);
    registry.register(registration(upstream.url()).build());
    JWKSet cached = registry.resolve(T, P);
    upstream.respond(r -> new MockResponse.Builder().code(200)
        .body("{\"keys\":[]}garbage, not a status line\r\n\r\n")
        .setHeader("Content-Length", 11).build());

    JWKSet declared = registry.refresh(T, P).get(5, TimeUnit.SECONDS);
    assertThat(declared.getKeys()).as("the declared 11 bytes are the body").isEmpty();

    // Without retries, the next refresh meets the surplus and fails; the one after is clean.
    upstream.serve(GOOD, 300);
    Throwable poisoned = catchThrowable(() -> registry.refresh(T, P).get(5, TimeUnit.SECONDS));
    assertThat(poisoned.getCause()).isExactlyInstanceOf(FetchFailureException.class)
        .hasMessageContaining("Unexpected status line: garbage, not a status line");
    assertThat(registry.resolve(T, P)).isSameAs(declared);
    assertThat(registry.refresh(T, P).get(5, TimeUnit.SECONDS).getKeys()).hasSize(2);

    // With a retry (the default policy has two), the caller never sees the surplus.
    registry.register(registration(upstream.url()).retryPolicy(RetryPolicy.builder()
        .maxRetries(1).attemptTimeout(ATTEMPT).initialBackoff(Duration.ofMillis(50))
        .maxBackoff(Duration.ofMillis(50)).deadline(Duration.ofSeconds(3))
        .jitter(JitterStrategy.NONE).build()).build());
    upstream.respond(r -> new MockResponse.Builder().code(200)
        .body(GOOD + "garbage, not a status line\r\n\r\n")
        .setHeader("Content-Length", GOOD.length()).build());
    assertThat(registry.refresh(T, P).get(5, TimeUnit.SECONDS).getKeys()).hasSize(2);
    upstream.serve(GOOD, 300);
    JWKSet clean = registry.refresh(T, P).get(5, TimeUnit.SECONDS);
    assertThat(clean.getKeys()).hasSize(2);
    assertThat(clean.getKeyByKeyId("k1").toJSONObject())
        .isEqualTo(cached.getKeyByKeyId("k1").toJSONObject());
  }

  // ================================================================ timing bounds

  @Test
  void aTrickleIsBoundedByTheAttemptTimeoutNotByEachRead() {
    // One byte every 50 ms: a per-read timeout of 400 ms would never fire; the whole-attempt
    // timeout does, 400 ms after the request, whatever the pace.
    upstream.respond(r -> ok(GOOD).throttleBody(1, 50, TimeUnit.MILLISECONDS).build());
    registry.register(registration(upstream.url()).build());

    long t0 = System.nanoTime();
    Throwable e = catchThrowable(() -> registry.resolve(T, P));
    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);

    assertThat(e).isExactlyInstanceOf(FetchFailureException.class);
    assertThat(((FetchFailureException) e).kind()).isEqualTo(Kind.TIMEOUT);
    assertThat(ms).isBetween(ATTEMPT.toMillis() - 50, ATTEMPT.toMillis() + 1_500);
  }

  @Test
  void retriesAgainstASilentServerStopAtTheDeadline() {
    raw().mode(RawServer.Mode.SILENT);
    registry.register(registration(raw().url()).retryPolicy(RetryPolicy.builder().maxRetries(5)
        .attemptTimeout(Duration.ofMillis(300)).initialBackoff(Duration.ofMillis(100))
        .maxBackoff(Duration.ofMillis(100)).deadline(Duration.ofMillis(900))
        .jitter(JitterStrategy.NONE).build()).build());

    long t0 = System.nanoTime();
    Throwable e = catchThrowable(() -> registry.resolve(T, P));
    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);

    assertThat(e).isExactlyInstanceOf(FetchFailureException.class);
    assertThat(((FetchFailureException) e).kind()).isEqualTo(Kind.TIMEOUT);
    // 300 ms attempt, 100 ms backoff, 300 ms attempt: a third would not fit in the 900 ms.
    assertThat(ms).isBetween(600L, 900L + 1_000L);
    assertThat(raw().connections()).isBetween(2, 3);
  }

  // ================================================================ (3) threads

  /**
   * The worst case for close(): a fetch with a 30 s attempt timeout, hanging on a server that
   * never answers. close() must not wait for it, and must not leave its thread reading a socket
   * for the rest of the 30 s.
   */
  @Test
  void closeDuringAHangingFetchReturnsPromptlyAndLeavesNoThread() throws Exception {
    raw().mode(RawServer.Mode.SILENT);
    registry.register(registration(raw().url()).retryPolicy(RetryPolicy.builder().maxRetries(3)
        .attemptTimeout(Duration.ofSeconds(30)).deadline(Duration.ofSeconds(60)).build())
        .build());
    var waiter = registry.resolveAsync(T, P);
    raw().awaitConnections(1);

    long t0 = System.nanoTime();
    registry.close();
    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);

    assertThat(ms).isLessThan(1_500);
    assertThat(catchThrowable(() -> waiter.get(1, TimeUnit.SECONDS)))
        .hasCauseInstanceOf(NotRegisteredException.class);
    assertNoThreadOfOursOutlivesClose();
    assertThat(raw().connections()).as("no retry after close").isEqualTo(1);
  }

  // ================================================================ documented behaviours

  /**
   * A set with more than {@link JwksParser#MAX_KEYS} keys is refused whole (the largest real
   * sets hold about 15), so the cached set stays; within the cap every key is kept.
   */
  @Test
  void tenThousandKeysAreRefusedWholeAndAThousandAreKept() throws Exception {
    String ec = TestKeys.ec("e1").toPublicJWK().toJSONString();
    upstream.serve(manyKeys(ec, "e1", JwksParser.MAX_KEYS), 300);
    registry.register(registration(upstream.url()).maxResponseBytes(8L * MIB).build());
    JWKSet thousand = registry.resolve(T, P);
    assertThat(thousand.getKeys()).hasSize(JwksParser.MAX_KEYS);
    assertThat(registry.resolveKey(T, P, "e1-999").getKeyID()).isEqualTo("e1-999");

    upstream.serve(manyKeys(ec, "e1", JwksParser.MAX_KEYS + 1), 300);
    Throwable justOver = catchThrowable(() -> registry.refresh(T, P).get(10, TimeUnit.SECONDS));
    assertThat(justOver.getCause()).isExactlyInstanceOf(InvalidJwksException.class)
        .hasMessageContaining("holds " + (JwksParser.MAX_KEYS + 1) + " entries")
        .hasMessageContaining("at most " + JwksParser.MAX_KEYS + " keys");

    upstream.serve(manyKeys(ec, "e1", 10_000), 300);
    long t0 = System.nanoTime();
    Throwable e = catchThrowable(() -> registry.refresh(T, P).get(10, TimeUnit.SECONDS));
    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);

    assertThat(e.getCause()).isExactlyInstanceOf(InvalidJwksException.class)
        .hasMessageContaining("at most " + JwksParser.MAX_KEYS + " keys");
    assertThat(ms).isLessThan(3_000);
    assertThat(registry.resolve(T, P)).isSameAs(thousand);
    assertThat(registry.providerStatus(T, P).errorCount()).isEqualTo(2);
  }

  static Stream<Arguments> fiveMegabyteStrings() {
    String rsa = TestKeys.rsa("k1").toPublicJWK().toJSONString();
    String big = "A".repeat(5_000_000);
    return Stream.of(
        Arguments.of("as a member beside keys", "{\"junk\":\"" + big + "\",\"keys\":[" + rsa
            + "]}", "k1"),
        Arguments.of("as an unknown member of a key",
            "{\"keys\":[" + rsa.replace("\"kid\":\"k1\"", "\"kid\":\"k1\",\"junk\":\"" + big + "\"")
                + "]}", "k1"),
        Arguments.of("as the kid", "{\"keys\":[" + rsa.replace("\"kid\":\"k1\"",
            "\"kid\":\"" + big + "\"") + "," + TestKeys.ec("e1").toPublicJWK().toJSONString()
            + "]}", big),
        Arguments.of("as the RSA modulus (key skipped, the other kept)",
            "{\"keys\":[" + rsa.replaceAll("\"n\":\"[^\"]*\"", "\"n\":\"" + big + "\"") + ","
                + TestKeys.ec("e1").toPublicJWK().toJSONString() + "]}", null),
        Arguments.of("as an x5c certificate (key skipped, the other kept)",
            "{\"keys\":[" + rsa.replace("\"kid\":\"k1\"", "\"kid\":\"k1\",\"x5c\":[\"" + big
                + "\"]") + "," + TestKeys.ec("e1").toPublicJWK().toJSONString() + "]}", null));
  }

  /**
   * With max_response_bytes raised to 8 MiB, a 5 MB string parses (in well under the attempt
   * timeout); where it sits decides what is kept. Unknown members are not kept (the served JSON
   * is the parsed public key, not the upstream text), a huge kid is an opaque kid like any
   * other, and huge key material fails conversion, so only that key is skipped.
   */
  @ParameterizedTest(name = "5 MB string {0}")
  @MethodSource("fiveMegabyteStrings")
  void aFiveMegabyteStringParsesCleanlyAndQuickly(String where, String body, String keptKid)
      throws Exception {
    upstream.serve(body, 300);
    registry.register(registration(upstream.url()).maxResponseBytes(8L * MIB).build());

    long t0 = System.nanoTime();
    JWKSet set = registry.resolve(T, P);
    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);

    assertThat(ms).isLessThan(3_000);
    if (keptKid != null) {
      assertThat(set.getKeyByKeyId(keptKid)).isNotNull();
      assertThat(registry.resolveKey(T, P, keptKid).getKeyID()).hasSize(keptKid.length());
    } else {
      assertThat(set.getKeys()).extracting(JWK::getKeyID).containsExactly("e1");
    }
    if (!"as the kid".equals(where)) {
      assertThat(set.toString().length()).as("the huge string is not kept").isLessThan(10_000);
    }
  }

  /**
   * Two keys share a kid: both are kept in the set, and a lookup by kid takes the first in
   * document order (resolveKey, and both Nimbus adapters, which look up by kid). A token signed
   * by the second key therefore does not verify; a provider must not reuse a kid.
   */
  @ParameterizedTest(name = "preconverted keys: {0}")
  @ValueSource(booleans = {false, true})
  void duplicateKidsAreAllKeptAndTheFirstWins(boolean preconverted) throws Exception {
    JWK first = TestKeys.rsa("dup");
    JWK second = TestKeys.ec("dup");
    upstream.serve(TestKeys.publicJwks(first, second), 300);
    registry.register(registration(upstream.url()).build());

    JWKSet set = registry.resolve(T, P);

    assertThat(set.getKeys()).extracting(JWK::getKeyID).containsExactly("dup", "dup");
    JWK resolved = registry.resolveKey(T, P, "dup");
    assertThat(resolved).isSameAs(set.getKeys().get(0));
    assertThat(resolved.getKeyType()).isEqualTo(KeyType.RSA);
    var processor = new DefaultJWTProcessor<SecurityContext>();
    processor.setJWSKeySelector(preconverted ? registry.keySelector(T, P)
        : new JWSVerificationKeySelector<>(Set.of(JWSAlgorithm.RS256, JWSAlgorithm.ES256),
            registry.jwkSource(T, P)));
    assertThat(processor.process(TestKeys.sign(first, "alice"), null).getSubject())
        .isEqualTo("alice");
    assertThat(catchThrowable(() -> processor.process(TestKeys.sign(second, "bob"), null)))
        .isInstanceOf(BadJOSEException.class);
  }

  @Test
  void keysOfUnknownTypeOrBrokenAreSkippedAndTheRestKept() {
    String good = GOOD.substring(GOOD.indexOf('[') + 1, GOOD.lastIndexOf(']'));
    upstream.serve("{\"keys\":[{\"kty\":\"XYZ\",\"kid\":\"u1\"}," + good
        + ",{\"kty\":\"RSA\",\"kid\":\"no-modulus\",\"e\":\"AQAB\"},\"not an object\",42]}", 300);
    registry.register(registration(upstream.url()).build());

    JWKSet set = registry.resolve(T, P);

    assertThat(set.getKeys()).extracting(JWK::getKeyID).containsExactly("k1", "e1");
    assertThat(catchThrowable(() -> registry.resolveKey(T, P, "u1")))
        .isExactlyInstanceOf(KeyNotFoundException.class);
  }

  @Test
  void privateMembersAreNeverServedAndSymmetricKeysAreDropped() {
    // RFC 8037 A.1: an Ed25519 private key (d) with its public key (x).
    String okp = "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"kid\":\"o1\","
        + "\"d\":\"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A\","
        + "\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\"}";
    String oct = "{\"kty\":\"oct\",\"kid\":\"s1\",\"k\":\"GawgguFyGrWKav7AX4VKUg\"}";
    String withPrivate = new JWKSet(List.of(TestKeys.rsa("k1"), TestKeys.ec("e1"))).toString(false);
    assertThat(withPrivate).contains("\"d\":", "\"qi\":");
    upstream.serve(withPrivate.replace("]}", "," + okp + "," + oct + "]}"), 300);
    registry.register(registration(upstream.url()).build());

    JWKSet set = registry.resolve(T, P);

    assertThat(set.getKeys()).extracting(JWK::getKeyID).containsExactly("k1", "e1", "o1");
    assertThat(set.getKeys()).allSatisfy(k -> assertThat(k.isPrivate()).isFalse());
    String served = set.toString(false); // false = include private members, were there any
    for (String member : List.of("\"d\"", "\"p\"", "\"q\"", "\"dp\"", "\"dq\"", "\"qi\"",
        "\"k\"", "GawgguFyGrWKav7AX4VKUg", "nWGxne_9")) {
      assertThat(served).doesNotContain(member);
    }
    for (String kid : List.of("k1", "e1", "o1")) {
      assertThat(registry.resolveKey(T, P, kid).isPrivate()).isFalse();
    }
    assertThat(catchThrowable(() -> registry.resolveKey(T, P, "s1")))
        .isExactlyInstanceOf(KeyNotFoundException.class);
  }

  /**
   * Garbage and absurd Cache-Control (and its neighbours) never fail a fetch and never give a
   * lifetime outside [min_ttl, max_ttl] = [60 s, 1 h]; the manual clock stands still, so
   * expiresAt is exactly now + the TTL.
   */
  @ParameterizedTest(name = "{0} -> {1} s")
  @MethodSource("cacheControlGarbage")
  void absurdFreshnessHeadersGiveATtlWithinTheBounds(List<String> headerLines, long ttlSeconds) {
    upstream.respond(r -> {
      MockResponse.Builder b = ok(GOOD);
      for (String line : headerLines) {
        int colon = line.indexOf(':');
        b.addHeaderLenient(line.substring(0, colon), line.substring(colon + 1).trim());
      }
      return b.build();
    });
    registry.register(registration(upstream.url()).build());

    registry.resolve(T, P);

    Instant expiresAt = registry.providerStatus(T, P).expiresAt();
    assertThat(expiresAt).isBetween(time.instant().plus(MIN_TTL), time.instant().plus(MAX_TTL));
    assertThat(expiresAt).isEqualTo(time.instant().plusSeconds(ttlSeconds));
  }

  static Stream<Arguments> cacheControlGarbage() {
    long min = MIN_TTL.toSeconds();
    long max = MAX_TTL.toSeconds();
    return Stream.of(
        Arguments.of(List.of("Cache-Control: max-age=99999999999999999999"), max),
        Arguments.of(List.of("Cache-Control: max-age=2147483648"), max),
        Arguments.of(List.of("Cache-Control: max-age=9223372036854775807"), max),
        Arguments.of(List.of("Cache-Control: max-age=-1"), min),
        Arguments.of(List.of("Cache-Control: max-age=-99999999999999999999"), min),
        Arguments.of(List.of("Cache-Control: max-age=1e9"), min),
        Arguments.of(List.of("Cache-Control: max-age=abc"), min),
        Arguments.of(List.of("Cache-Control: max-age="), min),
        Arguments.of(List.of("Cache-Control: max-age=600, max-age=99999"), 600L),
        Arguments.of(List.of("Cache-Control: max-age=5, max-age=7200"), min),
        Arguments.of(List.of("Cache-Control: max-age=600", "Cache-Control: max-age=5"), 600L),
        Arguments.of(List.of("Cache-Control: max-age=\"600\""), 600L),
        Arguments.of(List.of("Cache-Control: max-age=\"600"), min),
        Arguments.of(List.of("Cache-Control: \u0001\u00ff;;,,==\"\"\t, max-age"), min),
        Arguments.of(List.of("Cache-Control: " + "no-transform, ".repeat(5_000) + "max-age=900"),
            900L),
        Arguments.of(List.of("Cache-Control: no-store, max-age=900"), min),
        Arguments.of(List.of("Cache-Control: no-cache, max-age=900"), min),
        Arguments.of(List.of("Cache-Control: s-maxage=99999, max-age=0"), min),
        Arguments.of(List.of("Cache-Control: max-age=900", "Age: 99999999999999999999"), min),
        Arguments.of(List.of("Cache-Control: max-age=900", "Age: -50"), 900L),
        Arguments.of(List.of("Expires: Fri, 31 Dec 9999 23:59:59 GMT"), max),
        Arguments.of(List.of("Expires: yesterday"), min),
        Arguments.of(List.of("Expires: Fri, 31 Dec 9999 23:59:59 GMT", "Date: garbage"), max),
        Arguments.of(List.of("Pragma: no-cache"), min));
  }

  /**
   * A redirect from https to plain http is refused before it is requested: require_https holds
   * for every hop. Needs a TLS server, so it is not in the plain-http table above.
   */
  @Test
  void aRedirectFromHttpsToHttpIsRefusedAndNothingIsStored() throws Exception {
    HeldCertificate ca = new HeldCertificate.Builder().certificateAuthority(0)
        .commonName("Hostile CA").build();
    HeldCertificate leaf = new HeldCertificate.Builder().commonName("localhost")
        .addSubjectAlternativeName("localhost").signedBy(ca).build();
    MockWebServer tls = track(new MockWebServer());
    tls.useHttps(new HandshakeCertificates.Builder().heldCertificate(leaf, ca.certificate())
        .build().sslSocketFactory());
    AtomicReference<String> redirectTo = new AtomicReference<>();
    tls.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        String to = redirectTo.get();
        return to == null ? ok(GOOD).build() : redirect(to);
      }
    });
    tls.start();
    registry.close();
    registry = newRegistry(b -> b.requireHttps(true).trustManager(
        new HandshakeCertificates.Builder().addTrustedCertificate(ca.certificate()).build()
            .trustManager()));
    String httpsUrl = tls.url("/jwks").toString();
    assertThat(httpsUrl).startsWith("https://localhost:");
    // The first TLS handshake of the JVM initialises its crypto: give the attempts time.
    RetryPolicy slowStart = RetryPolicy.builder().maxRetries(0)
        .attemptTimeout(Duration.ofSeconds(5)).deadline(Duration.ofSeconds(6)).build();
    registry.register(registration(httpsUrl).retryPolicy(slowStart).build());
    JWKSet cached = registry.resolve(T, P);
    upstream.serve(GOOD, 300);
    redirectTo.set(upstream.url());

    Throwable refresh = catchThrowable(() -> registry.refresh(T, P).get(5, TimeUnit.SECONDS));
    registry.register(ProviderRegistration.builder(T, "fresh", httpsUrl)
        .retryPolicy(slowStart).build());
    Throwable firstLoad = catchThrowable(() -> registry.resolve(T, "fresh"));

    for (Throwable e : List.of(refresh.getCause(), firstLoad)) {
      assertThat(e).isExactlyInstanceOf(SecurityViolationException.class)
          .hasMessageContaining("plain http is not allowed while require_https is true")
          .hasMessageContaining(upstream.url());
    }
    assertThat(registry.resolve(T, P)).isSameAs(cached);
    assertThat(registry.providerStatus(T, P).errorCount()).isEqualTo(1);
    assertThat(registry.providerStatus(T, "fresh").state()).isEqualTo(ProviderState.EMPTY);
    assertThat(upstream.requests()).as("the http target was never requested").isZero();
  }

  /** The bound is inclusive: a chain of exactly max_redirects hops is followed. */
  @Test
  void tenRedirectsAreFollowedWhenMaxRedirectsIsTen() {
    upstream.respond(HostileUpstreamTest::tenRedirects);
    registry.register(registration(upstream.url()).maxRedirects(10).build());

    assertThat(registry.resolve(T, P).getKeyByKeyId("k1")).isNotNull();
    assertThat(upstream.requests()).isEqualTo(11);
  }

  // ================================================================ helpers: servers

  private String urlFor(Hostile h) {
    return h.rawMode() != null ? raw().url() : upstream.url();
  }

  private void serveGood(Hostile h) {
    if (h.rawMode() != null) {
      raw().mode(RawServer.Mode.GOOD);
    } else {
      upstream.serve(GOOD, 300);
    }
  }

  private void arm(Hostile h) {
    if (h.rawMode() != null) {
      raw().mode(h.rawMode());
    } else {
      upstream.respond(h.responder());
    }
  }

  private RawServer raw() {
    if (raw == null) {
      raw = track(new RawServer(GOOD));
    }
    return raw;
  }

  private <S extends AutoCloseable> S track(S server) {
    servers.add(server);
    return server;
  }

  private static MockResponse.Builder ok(String body) {
    return new MockResponse.Builder().code(200).addHeader("Content-Type", "application/json")
        .body(body);
  }

  private static MockResponse redirect(String location) {
    return new MockResponse.Builder().code(302).addHeader("Location", location).build();
  }

  /** /.well-known/jwks.json -> /r1 -> ... -> /r10 -> the good set: ten redirects. */
  private static MockResponse tenRedirects(RecordedRequest r) {
    String path = r.getUrl().encodedPath();
    if (path.equals("/r10")) {
      return ok(GOOD).addHeader("Cache-Control", "max-age=300").build();
    }
    int n = path.startsWith("/r") ? Integer.parseInt(path.substring(2)) : 0;
    return redirect("/r" + (n + 1));
  }

  /** A good body under 512 KiB of header lines (OkHttp reads at most 256 KiB of headers). */
  private static MockResponse headerFlood(RecordedRequest r) {
    MockResponse.Builder b = ok(GOOD);
    String filler = "x".repeat(1000);
    for (int i = 0; i < 512; i++) {
      b.addHeaderLenient("X-Filler-" + i, filler);
    }
    return b.build();
  }

  private static Buffer gzip(String text) {
    Buffer out = new Buffer();
    try (BufferedSink sink = Okio.buffer(new GzipSink(out))) {
      sink.writeUtf8(text);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return out;
  }

  private static String manyEmptyObjects(int n) {
    StringBuilder sb = new StringBuilder(n * 3 + 16).append("{\"keys\":[");
    for (int i = 0; i < n; i++) {
      sb.append(i == 0 ? "{}" : ",{}");
    }
    return sb.append("]}").toString();
  }

  private static String manyKeys(String keyJson, String kid, int n) {
    StringBuilder sb = new StringBuilder().append("{\"keys\":[");
    for (int i = 0; i < n; i++) {
      sb.append(i == 0 ? "" : ",")
          .append(keyJson.replace("\"kid\":\"" + kid + "\"", "\"kid\":\"" + kid + "-" + i + "\""));
    }
    return sb.append("]}").toString();
  }

  private static double metric(ProviderStatus status, String name) {
    return status.metrics().stream().filter(m -> m.name().equals(name)).findFirst()
        .orElseThrow().value();
  }

  private static void assertTyped(Throwable e, Hostile h) {
    assertThat(e).isExactlyInstanceOf(h.type());
    if (h.kind() != null) {
      assertThat(((FetchFailureException) e).kind()).isEqualTo(h.kind());
    }
    for (String part : h.message()) {
      assertThat(e.getMessage()).contains(part);
    }
  }

  // ================================================================ helpers: threads and heap

  /**
   * Fails when a thread of ours that did not exist before the test is still alive after close():
   * any {@code jwks-cache-*} thread, and any {@code OkHttp*} thread except idle workers of
   * OkHttp's process-wide task runner.
   *
   * <p>Polling with a deadline is needed because close() only <em>asks</em> threads to stop: the
   * fetch pool's workers leave their loop once their task has seen the cancellation, and a thread
   * counts as alive until it has completely terminated. A single look right after close() would
   * see threads that are already on their way out (a false failure); waiting without a deadline
   * would hide a real leak. So we look every 20 ms and fail after {@link #THREAD_GRACE}.
   *
   * <p>Idle {@code OkHttp TaskRunner} workers are excluded: that pool belongs to the OkHttp
   * library, is shared by every client in the JVM, and keeps an idle worker for 60 s by design.
   * An OkHttp thread that is <em>doing</em> something (a connection-pool closer still watching a
   * connection of ours, a dispatcher thread) is not idle and counts.
   */
  private void assertNoThreadOfOursOutlivesClose() throws InterruptedException {
    long deadline = System.nanoTime() + THREAD_GRACE.toNanos();
    Map<Thread, StackTraceElement[]> leftovers;
    do {
      leftovers = Thread.getAllStackTraces().entrySet().stream()
          .filter(en -> !threadsBefore.contains(en.getKey()) && en.getKey().isAlive())
          .filter(en -> isOurs(en.getKey(), en.getValue()))
          .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
      if (leftovers.isEmpty()) {
        return;
      }
      Thread.sleep(20);
    } while (System.nanoTime() < deadline);
    StringBuilder dump = new StringBuilder();
    leftovers.forEach((t, stack) -> {
      dump.append(t.getName()).append(" (").append(t.getState()).append(")\n");
      Arrays.stream(stack).limit(12).forEach(f -> dump.append("    at ").append(f).append('\n'));
    });
    throw new AssertionError("Threads still alive " + THREAD_GRACE.toMillis()
        + " ms after close():\n" + dump);
  }

  private static boolean isOurs(Thread t, StackTraceElement[] stack) {
    String name = t.getName();
    if (name.startsWith("jwks-cache")) {
      return true;
    }
    if (!name.startsWith("OkHttp")) {
      return false;
    }
    boolean idleTaskRunnerWorker = name.equals("OkHttp TaskRunner")
        && Arrays.stream(stack).anyMatch(f -> f.getMethodName().equals("getTask")
            && f.getClassName().equals("java.util.concurrent.ThreadPoolExecutor"));
    return !idleTaskRunnerWorker;
  }

  /**
   * Bytes allocated so far by the live fetch threads (HotSpot's per-thread allocation counter),
   * or -1 when the JVM cannot tell. The fetch pool keeps its threads for 30 s, so a before/after
   * difference around one fetch is what that fetch allocated.
   */
  private static long fetchThreadsAllocatedBytes() {
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    if (!(mx instanceof com.sun.management.ThreadMXBean hs)
        || !hs.isThreadAllocatedMemorySupported() || !hs.isThreadAllocatedMemoryEnabled()) {
      return -1;
    }
    long total = 0;
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.getName().startsWith("jwks-cache-fetch")) {
        long bytes = hs.getThreadAllocatedBytes(t.getId());
        total += Math.max(0, bytes);
      }
    }
    return total;
  }

  // ================================================================ hostile servers

  /**
   * A bare TCP server for what MockWebServer cannot do: reset a connection (SO_LINGER 0, so the
   * close sends RST) or accept a connection and never read from it. In GOOD mode it serves the
   * good set once per connection, with {@code Connection: close}.
   */
  static final class RawServer implements AutoCloseable {
    enum Mode { GOOD, RESET, SILENT }

    private final ServerSocket socket;
    private final Thread acceptor;
    private final byte[] good;
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    private final AtomicInteger connections = new AtomicInteger();
    private volatile Mode mode = Mode.GOOD;

    RawServer(String json) {
      byte[] body = json.getBytes(UTF_8);
      String head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
          + "Cache-Control: max-age=300\r\nConnection: close\r\nContent-Length: " + body.length
          + "\r\n\r\n";
      byte[] h = head.getBytes(UTF_8);
      good = Arrays.copyOf(h, h.length + body.length);
      System.arraycopy(body, 0, good, h.length, body.length);
      try {
        socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
      acceptor = new Thread(this::acceptLoop, "hostile-raw-server");
      acceptor.setDaemon(true);
      acceptor.start();
    }

    String url() {
      return "http://localhost:" + socket.getLocalPort() + "/jwks";
    }

    void mode(Mode m) {
      this.mode = m;
    }

    int connections() {
      return connections.get();
    }

    void awaitConnections(int n) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (connections.get() < n && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertThat(connections.get()).isGreaterThanOrEqualTo(n);
    }

    private void acceptLoop() {
      while (!socket.isClosed()) {
        Socket s;
        try {
          s = socket.accept();
        } catch (IOException e) {
          return;
        }
        connections.incrementAndGet();
        open.add(s);
        try {
          switch (mode) {
            case SILENT -> {
              // keep it open, read nothing, send nothing
            }
            case RESET -> {
              readRequestHead(s);
              s.setSoLinger(true, 0);
              s.close();
            }
            case GOOD -> {
              readRequestHead(s);
              OutputStream out = s.getOutputStream();
              out.write(good);
              out.flush();
              s.close();
            }
            default -> throw new IllegalStateException();
          }
        } catch (IOException e) {
          closeQuietly(s);
        }
      }
    }

    private static void readRequestHead(Socket s) throws IOException {
      s.setSoTimeout(5_000);
      InputStream in = s.getInputStream();
      int matched = 0;
      byte[] end = {'\r', '\n', '\r', '\n'};
      while (matched < 4) {
        int b = in.read();
        if (b == -1) {
          return;
        }
        matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
      }
    }

    private static void closeQuietly(Socket s) {
      try {
        s.close();
      } catch (IOException ignored) {
        // closing anyway
      }
    }

    @Override
    public void close() throws Exception {
      socket.close();
      open.forEach(RawServer::closeQuietly);
      acceptor.join(2_000);
    }
  }
}
