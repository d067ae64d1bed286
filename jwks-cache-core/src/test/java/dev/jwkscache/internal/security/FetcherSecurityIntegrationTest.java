package dev.jwkscache.internal.security;

import static dev.jwkscache.internal.security.TestPki.b64;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import dev.jwkscache.FetchFailureException;
import dev.jwkscache.ProviderRegistration;
import dev.jwkscache.RetryPolicy;
import dev.jwkscache.SecurityViolationException;
import dev.jwkscache.internal.http.FetchResult;
import dev.jwkscache.internal.http.JwksFetcher;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.Dns;
import okhttp3.tls.HeldCertificate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The security hooks seen through the real fetch pipeline: {@code JwksFetcher.fetch} maps our
 * refusals to {@link SecurityViolationException} (never retried), on the first URL and on every
 * redirect hop.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FetcherSecurityIntegrationTest {
  private static final RetryPolicy FAST = RetryPolicy.builder().maxRetries(2)
      .attemptTimeout(Duration.ofSeconds(3)).initialBackoff(Duration.ofMillis(10))
      .maxBackoff(Duration.ofMillis(20)).deadline(Duration.ofSeconds(8)).build();

  private static String jwks;
  private static HeldCertificate ca;

  private final List<MockWebServer> servers = new java.util.ArrayList<>();
  private JwksFetcher fetcher;

  @BeforeAll
  static void keys() throws Exception {
    jwks = "{\"keys\":[" + new ECKeyGenerator(Curve.P_256).keyID("k1").generate()
        .toPublicJWK().toJSONString() + "]}";
    ca = TestPki.ca("Integration CA");
  }

  @AfterEach
  void tearDown() {
    if (fetcher != null) {
      fetcher.close();
    }
    servers.forEach(MockWebServer::close);
  }

  private MockWebServer serve(MockWebServer server, MockResponse response) {
    server.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        return response;
      }
    });
    servers.add(server);
    return server;
  }

  private static MockResponse okJwks() {
    return new MockResponse.Builder().code(200).addHeader("Content-Type", "application/json")
        .body(jwks).build();
  }

  private static MockResponse redirect(String location) {
    return new MockResponse.Builder().code(302).addHeader("Location", location).build();
  }

  private MockWebServer httpServer(MockResponse response) throws Exception {
    MockWebServer s = TestPki.http();
    return serve(s, response);
  }

  private MockWebServer httpsServer(HeldCertificate leaf, MockResponse response) throws Exception {
    MockWebServer s = TestPki.https(leaf, ca.certificate());
    return serve(s, response);
  }

  private static ProviderRegistration.Builder registration(String url) {
    return ProviderRegistration.builder("tenant-a", "idp", url).retryPolicy(FAST);
  }

  /** Test names resolving to loopback, as a public IdP's name would resolve to its address. */
  private static Dns names(String... hosts) throws Exception {
    InetAddress loopback = InetAddress.getByName("127.0.0.1");
    Map<String, List<InetAddress>> table = new java.util.HashMap<>();
    for (String h : hosts) {
      table.put(h, List.of(loopback));
    }
    return host -> {
      List<InetAddress> a = table.get(host);
      if (a == null) {
        throw new java.net.UnknownHostException(host);
      }
      return a;
    };
  }

  @ParameterizedTest
  @ValueSource(strings = {"http://169.254.169.254/latest/meta-data/iam/security-credentials/",
      "http://2852039166/", "http://[::ffff:169.254.169.254]/", "http://[fe80::1]/",
      "https://169.254.169.254/"})
  void redirectFromAnAllowedLoopbackHostToMetadataIsRefused(String target) throws Exception {
    MockWebServer origin = httpServer(redirect(target));
    fetcher = new JwksFetcher(new SecureClients(null, false), Clock.systemUTC(), new Random(1));
    ProviderRegistration reg = registration(origin.url("/jwks").toString())
        .requireHttps(false).build();

    long start = System.nanoTime();
    SecurityViolationException e = catchThrowableOfType(SecurityViolationException.class,
        () -> fetcher.fetch(reg, null));

    assertThat(e).isNotNull();
    assertThat(e.getMessage()).contains("always refused")
        .contains(target.contains("fe80") ? "fe80" : "169.254.169.254");
    assertThat(origin.getRequestCount()).as("security failures are not retried").isEqualTo(1);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
  }

  @Test
  void redirectToANameThatResolvesToMetadataIsRefusedAtConnectTime() throws Exception {
    MockWebServer origin = httpServer(redirect("http://metadata.internal.test/computeMetadata/"));
    InetAddress loopback = InetAddress.getByName("127.0.0.1");
    InetAddress metadata = InetAddress.getByName("169.254.169.254");
    Dns dns = host -> switch (host) {
      case "idp.test" -> List.of(loopback);
      case "metadata.internal.test" -> List.of(metadata);
      default -> throw new java.net.UnknownHostException(host);
    };
    fetcher = new JwksFetcher(new SecureClients(null, false, dns), Clock.systemUTC(),
        new Random(1));
    ProviderRegistration reg = registration("http://idp.test:" + origin.getPort() + "/jwks")
        .requireHttps(false).build();
    SecurityViolationException e = catchThrowableOfType(SecurityViolationException.class,
        () -> fetcher.fetch(reg, null));
    assertThat(e.getMessage()).contains("metadata.internal.test").contains("169.254.169.254")
        .contains("always refused");
    assertThat(origin.getRequestCount()).isEqualTo(1);
  }

  @Test
  void registeredMetadataUrlIsRefusedAsSecurityNotFetchFailure() {
    fetcher = new JwksFetcher(new SecureClients(null, false), Clock.systemUTC(), new Random(1));
    ProviderRegistration reg = registration("http://169.254.169.254/jwks").requireHttps(false)
        .build();
    SecurityViolationException e = catchThrowableOfType(SecurityViolationException.class,
        () -> fetcher.fetch(reg, null));
    assertThat(e.getMessage()).contains("http://169.254.169.254/jwks").contains("always refused");
  }

  @Test
  void loopbackUrlIsRefusedWhenTheRegistryRefusesPrivateAddresses() throws Exception {
    MockWebServer local = httpServer(okJwks());
    ProviderRegistration reg = registration(
        "http://localhost:" + local.getPort() + "/jwks").requireHttps(false).build();
    try (JwksFetcher open = new JwksFetcher(new SecureClients(null, false), Clock.systemUTC(),
        new Random(1))) {
      assertThat(open.fetch(reg, null)).isInstanceOf(FetchResult.Fetched.class);
    }
    fetcher = new JwksFetcher(new SecureClients(null, true), Clock.systemUTC(), new Random(1));
    SecurityViolationException e = catchThrowableOfType(SecurityViolationException.class,
        () -> fetcher.fetch(reg, null));
    assertThat(e.getMessage()).contains("localhost").contains("loopback")
        .contains("refuses private addresses");
    assertThat(local.getRequestCount()).as("only the permissive fetcher got through").isEqualTo(1);
  }

  @Test
  void redirectToASecondHttpsHostWithAnotherKeyFailsWhenOnlyTheFirstIsPinned() throws Exception {
    HeldCertificate leafA = TestPki.leaf(ca, "idp-a.test");
    HeldCertificate leafB = TestPki.leaf(ca, "idp-b.test");
    MockWebServer b = httpsServer(leafB, okJwks());
    String targetB = "https://idp-b.test:" + b.getPort() + "/keys";
    MockWebServer a = httpsServer(leafA, redirect(targetB));
    String urlA = "https://idp-a.test:" + a.getPort() + "/jwks";
    SecureClients clients = new SecureClients(TestPki.trusting(ca), false,
        names("idp-a.test", "idp-b.test"));
    fetcher = new JwksFetcher(clients, Clock.systemUTC(), new Random(1));

    ProviderRegistration onlyA = registration(urlA).addPinnedSpki(b64(leafA)).build();
    SecurityViolationException e = catchThrowableOfType(SecurityViolationException.class,
        () -> fetcher.fetch(onlyA, null));
    assertThat(e.getMessage()).contains(targetB).contains("SPKI pin mismatch")
        .contains("idp-b.test:" + b.getPort()).contains(b64(leafB)).contains(b64(ca));
    assertThat(a.getRequestCount()).isEqualTo(1);
    assertThat(b.getRequestCount()).as("nothing was sent to the unpinned host").isZero();

    // Control: pinning both hosts' keys, or their common CA, follows the redirect.
    ProviderRegistration both = registration(urlA).addPinnedSpki(b64(leafA))
        .addPinnedSpki(b64(leafB)).build();
    FetchResult r = fetcher.fetch(both, null);
    assertThat(r).isInstanceOf(FetchResult.Fetched.class);
    assertThat(((FetchResult.Fetched) r).finalUrl()).isEqualTo(targetB);
    ProviderRegistration byCa = registration(urlA).addPinnedSpki(b64(ca)).build();
    assertThat(fetcher.fetch(byCa, null)).isInstanceOf(FetchResult.Fetched.class);
  }

  @Test
  void pinnedRegistrationIsNotRedirectedToPlainHttpEvenWithoutRequireHttps() throws Exception {
    HeldCertificate leaf = TestPki.leaf(ca, "idp.test");
    MockWebServer plain = httpServer(okJwks());
    String target = "http://idp.test:" + plain.getPort() + "/keys";
    MockWebServer tls = httpsServer(leaf, redirect(target));
    fetcher = new JwksFetcher(new SecureClients(TestPki.trusting(ca), false, names("idp.test")),
        Clock.systemUTC(), new Random(1));
    ProviderRegistration reg = registration("https://idp.test:" + tls.getPort() + "/jwks")
        .requireHttps(false).addPinnedSpki(b64(ca)).build();
    SecurityViolationException e = catchThrowableOfType(SecurityViolationException.class,
        () -> fetcher.fetch(reg, null));
    assertThat(e.getMessage()).contains(target).contains("pinned_spki");
    assertThat(tls.getRequestCount()).isEqualTo(1);
    assertThat(plain.getRequestCount()).as("no unpinned keys fetched").isZero();
  }

  @Test
  void pinMismatchNamesTheUrlAndThePresentedDigestsAndIsNotRetried() throws Exception {
    HeldCertificate leaf = TestPki.leaf(ca, "idp.test");
    MockWebServer server = httpsServer(leaf, okJwks());
    String url = "https://idp.test:" + server.getPort() + "/jwks";
    fetcher = new JwksFetcher(new SecureClients(TestPki.trusting(ca), false, names("idp.test")),
        Clock.systemUTC(), new Random(1));
    String wrong = TestPki.randomPin().base64();
    ProviderRegistration reg = registration(url).addPinnedSpki(wrong).build();

    long start = System.nanoTime();
    SecurityViolationException e = catchThrowableOfType(SecurityViolationException.class,
        () -> fetcher.fetch(reg, null));

    assertThat(e.getMessage()).contains(url).contains("SPKI pin mismatch")
        .contains(b64(leaf)).contains(b64(ca)).contains(wrong).contains("pinned_spki");
    assertThat(server.getRequestCount()).isZero();
    assertThat(Duration.ofNanos(System.nanoTime() - start))
        .as("no backoff: a pin mismatch is final").isLessThan(Duration.ofSeconds(2));

    ProviderRegistration right = registration(url).addPinnedSpki(b64(leaf)).build();
    assertThat(fetcher.fetch(right, null)).isInstanceOf(FetchResult.Fetched.class);
  }

  @Test
  void expiredCertificateIsAFetchFailureOfKindTlsNotASecurityViolation() throws Exception {
    HeldCertificate expired = TestPki.expiredLeaf(ca, "idp.test");
    MockWebServer server = httpsServer(expired, okJwks());
    fetcher = new JwksFetcher(new SecureClients(TestPki.trusting(ca), false, names("idp.test")),
        Clock.systemUTC(), new Random(1));
    ProviderRegistration reg = registration("https://idp.test:" + server.getPort() + "/jwks")
        .addPinnedSpki(TestPki.randomPin().base64()).build();
    FetchFailureException e = catchThrowableOfType(FetchFailureException.class,
        () -> fetcher.fetch(reg, null));
    assertThat(e.kind()).isEqualTo(FetchFailureException.Kind.TLS);
    assertThat(e.getMessage()).doesNotContain("SPKI pin mismatch");
  }
}
