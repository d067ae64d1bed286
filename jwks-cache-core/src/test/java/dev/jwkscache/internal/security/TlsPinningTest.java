package dev.jwkscache.internal.security;

import static dev.jwkscache.internal.security.TestPki.b64;
import static dev.jwkscache.internal.security.TestPki.pin;
import static dev.jwkscache.internal.security.TestPki.randomPin;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.jwkscache.SpkiPin;
import java.io.IOException;
import java.util.List;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLException;
import javax.net.ssl.X509TrustManager;
import mockwebserver3.MockWebServer;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.tls.HeldCertificate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * SPKI pinning inside real TLS handshakes with a loopback server and certificates generated
 * here: a CA and a leaf for {@code localhost}.
 */
class TlsPinningTest {
  private static HeldCertificate ca;
  private static HeldCertificate leaf;
  private static HeldCertificate otherCa;

  private MockWebServer server;
  private SecureClients clients;

  @BeforeAll
  static void pki() {
    ca = TestPki.ca("Test Root CA");
    leaf = TestPki.leaf(ca, "localhost");
    otherCa = TestPki.ca("Other Root CA");
  }

  @AfterEach
  void tearDown() {
    if (clients != null) {
      clients.close();
    }
    if (server != null) {
      server.close();
    }
  }

  private HttpUrl start(HeldCertificate serverLeaf, java.security.cert.X509Certificate... chain)
      throws IOException {
    server = TestPki.https(serverLeaf, chain);
    return TestPki.localhostUrl(server, "https", "/jwks");
  }

  private static int get(OkHttpClient client, HttpUrl url) throws IOException {
    try (Response r = client.newCall(new Request.Builder().url(url).build()).execute()) {
      return r.code();
    }
  }

  private static Throwable failure(OkHttpClient client, HttpUrl url) {
    Throwable t = catchThrowable(() -> get(client, url));
    assertThat(t).as("the request must fail").isInstanceOf(IOException.class);
    return t;
  }

  @Test
  void pinOfTheLeafPasses() throws Exception {
    HttpUrl url = start(leaf, ca.certificate());
    clients = new SecureClients(TestPki.trusting(ca), false);
    assertThat(get(clients.clientFor(List.of(pin(leaf))), url)).isEqualTo(200);
  }

  @Test
  void pinOfTheCaPasses() throws Exception {
    HttpUrl url = start(leaf, ca.certificate());
    clients = new SecureClients(TestPki.trusting(ca), false);
    assertThat(get(clients.clientFor(List.of(pin(ca))), url)).isEqualTo(200);
  }

  @Test
  void pinOfTheTrustAnchorPassesWhenTheServerDoesNotSendIt() throws Exception {
    HttpUrl url = start(leaf);
    clients = new SecureClients(TestPki.trusting(ca), false);
    assertThat(get(clients.clientFor(List.of(pin(ca))), url)).isEqualTo(200);
  }

  @Test
  void wrongPinFailsNamingHostAndPresentedDigests() throws Exception {
    HttpUrl url = start(leaf, ca.certificate());
    clients = new SecureClients(TestPki.trusting(ca), false);
    SpkiPin wrong = randomPin();

    Throwable t = failure(clients.clientFor(List.of(wrong)), url);

    assertThat(t).isInstanceOf(SSLException.class);
    String message = SecurityFailures.describe(t);
    assertThat(message).isNotNull()
        .contains("SPKI pin mismatch")
        .contains("localhost:" + server.getPort())
        .contains(b64(leaf)).contains(b64(ca))
        .contains(wrong.base64());
    SpkiPinMismatchException e = (SpkiPinMismatchException) SecurityFailures.find(t);
    assertThat(e.host()).isEqualTo("localhost:" + server.getPort());
    assertThat(e.presentedPins()).containsExactly(b64(leaf), b64(ca));
    assertThat(server.getRequestCount()).as("no request reached the server").isZero();
  }

  @Test
  void pinSetWithOneRightAndOneWrongPasses() throws Exception {
    HttpUrl url = start(leaf, ca.certificate());
    clients = new SecureClients(TestPki.trusting(ca), false);
    assertThat(get(clients.clientFor(List.of(randomPin(), pin(leaf))), url)).isEqualTo(200);
    assertThat(get(clients.clientFor(List.of(pin(ca), randomPin())), url)).isEqualTo(200);
  }

  @Test
  void noPinsMeansPlainPkix() throws Exception {
    HttpUrl url = start(leaf, ca.certificate());
    clients = new SecureClients(TestPki.trusting(ca), false);
    assertThat(get(clients.clientFor(List.of()), url)).isEqualTo(200);

    // ... and PKIX still applies: a client that does not trust the CA fails, not as a pin error.
    try (SecureClients strangers = new SecureClients(TestPki.trusting(otherCa), false)) {
      Throwable t = failure(strangers.clientFor(List.of()), url);
      assertThat(t).isInstanceOf(SSLException.class);
      assertThat(SecurityFailures.describe(t)).isNull();
    }
  }

  @Test
  void untrustedChainFailsBeforePinningEvenWhenThePinMatches() throws Exception {
    HttpUrl url = start(leaf, ca.certificate());
    clients = new SecureClients(TestPki.trusting(otherCa), false);
    Throwable t = failure(clients.clientFor(List.of(pin(leaf))), url);
    assertThat(t).isInstanceOf(SSLException.class);
    assertThat(SecurityFailures.describe(t)).isNull();
  }

  @Test
  void expiredCertificateFailsAsTlsFailureNotAsPinFailure() throws Exception {
    HeldCertificate expired = TestPki.expiredLeaf(ca, "localhost");
    HttpUrl url = start(expired, ca.certificate());
    clients = new SecureClients(TestPki.trusting(ca), false);

    // Its own pin would match: the failure is PKIX, not pinning.
    Throwable right = failure(clients.clientFor(List.of(pin(expired))), url);
    assertThat(right).isInstanceOf(SSLException.class);
    assertThat(SecurityFailures.describe(right)).isNull();
    assertThat(right).hasStackTraceContaining("validity");

    // With a wrong pin too, PKIX reports first: never a pin mismatch.
    Throwable wrong = failure(clients.clientFor(List.of(randomPin())), url);
    assertThat(SecurityFailures.describe(wrong)).isNull();
    assertThat(SecurityFailures.find(wrong)).isNull();
  }

  @Test
  void wrongHostCertificateFailsBeforePinning() throws Exception {
    HeldCertificate elsewhere = TestPki.leaf(ca, "idp.example.com");
    HttpUrl url = start(elsewhere, ca.certificate());
    clients = new SecureClients(TestPki.trusting(ca), false);

    Throwable t = failure(clients.clientFor(List.of(randomPin())), url);
    assertThat(t).isInstanceOf(SSLException.class);
    assertThat(SecurityFailures.describe(t)).isNull();
    assertThat(t).hasStackTraceContaining("localhost");

    // A matching pin does not rescue a certificate for another host.
    Throwable pinned = failure(clients.clientFor(List.of(pin(elsewhere))), url);
    assertThat(SecurityFailures.describe(pinned)).isNull();
    assertThat(server.getRequestCount()).isZero();
  }

  @Test
  void appendingAPinnedButUnrelatedCertificateDoesNotPass() throws Exception {
    // A rogue certificate for the host from another trusted CA, with the (public) pinned CA
    // certificate appended to the chain: the pinned key signed nothing in the verified chain.
    HeldCertificate rogueLeaf = TestPki.leaf(otherCa, "localhost");
    server = TestPki.httpsRawChain(rogueLeaf, otherCa.certificate(), ca.certificate());
    HttpUrl url = TestPki.localhostUrl(server, "https", "/jwks");
    clients = new SecureClients(TestPki.trusting(ca, otherCa), false);

    assertThat(get(clients.clientFor(List.of()), url)).as("PKIX alone accepts it").isEqualTo(200);
    Throwable t = failure(clients.clientFor(List.of(pin(ca))), url);
    assertThat(SecurityFailures.describe(t)).contains("SPKI pin mismatch");
    assertThat(((SpkiPinMismatchException) SecurityFailures.find(t)).presentedPins())
        .as("the appended certificate is not part of the verified chain")
        .containsExactly(b64(rogueLeaf), b64(otherCa));
  }

  @Test
  void intermediateCaPinPasses() throws Exception {
    HeldCertificate intermediate = new HeldCertificate.Builder().certificateAuthority(0)
        .commonName("Issuing CA").signedBy(ca).build();
    HeldCertificate issued = TestPki.leaf(intermediate, "localhost");
    HttpUrl url = start(issued, intermediate.certificate());
    clients = new SecureClients(TestPki.trusting(ca), false);

    assertThat(get(clients.clientFor(List.of(pin(intermediate))), url)).isEqualTo(200);
    assertThat(get(clients.clientFor(List.of(pin(ca))), url)).isEqualTo(200);
    Throwable t = failure(clients.clientFor(List.of(pin(leaf))), url);
    assertThat(((SpkiPinMismatchException) SecurityFailures.find(t)).presentedPins())
        .containsExactly(b64(issued), b64(intermediate), b64(ca));
  }

  @Test
  void alternatingPinSetsAgainstOneHostNeverShareAConnection() throws Exception {
    HttpUrl url = start(leaf, ca.certificate());
    clients = new SecureClients(TestPki.trusting(ca), false);
    OkHttpClient right = clients.clientFor(List.of(pin(leaf)));
    OkHttpClient wrong = clients.clientFor(List.of(randomPin()));
    assertThat(right.connectionPool()).as("one shared pool").isSameAs(wrong.connectionPool());

    for (int i = 0; i < 6; i++) {
      if (i % 2 == 0) {
        assertThat(get(right, url)).as("right pins, round " + i).isEqualTo(200);
        assertThat(right.connectionPool().idleConnectionCount()).isPositive();
        Throwable t = failure(wrong, url);
        assertThat(SecurityFailures.describe(t)).as("wrong pins, round " + i)
            .contains("SPKI pin mismatch");
      } else {
        Throwable t = failure(wrong, url);
        assertThat(SecurityFailures.describe(t)).as("wrong pins, round " + i)
            .contains("SPKI pin mismatch");
        assertThat(get(right, url)).as("right pins, round " + i).isEqualTo(200);
      }
    }
    assertThat(server.getRequestCount()).as("only the right pin set's requests arrived")
        .isEqualTo(6);
  }

  @Test
  void samePinsInAnotherOrderShareAClientAndDistinctSetsDoNot() {
    clients = new SecureClients(TestPki.trusting(ca), false);
    SpkiPin a = pin(leaf);
    SpkiPin b = pin(ca);
    OkHttpClient ab = clients.clientFor(List.of(a, b));
    assertThat(clients.clientFor(List.of(b, a))).isSameAs(ab);
    OkHttpClient onlyA = clients.clientFor(List.of(a));
    assertThat(onlyA).isNotSameAs(ab);
    assertThat(onlyA.sslSocketFactory()).isNotSameAs(ab.sslSocketFactory());
    assertThat(clients.clientFor(List.of()).sslSocketFactory())
        .isNotSameAs(onlyA.sslSocketFactory());
    assertThat(ab.dns()).isSameAs(onlyA.dns());
    assertThat(ab.socketFactory()).isSameAs(onlyA.socketFactory());
  }

  @Test
  void aPlainX509TrustManagerStillGetsHostCheckBeforePins() throws Exception {
    // A caller-supplied manager that is not an X509ExtendedTrustManager cannot check the host
    // from the socket; the pinning manager then checks it itself, still before the pins.
    X509TrustManager pkix = TestPki.trusting(ca);
    X509TrustManager plain = new X509TrustManager() {
      @Override
      public void checkClientTrusted(X509Certificate[] chain, String authType)
          throws CertificateException {
        pkix.checkClientTrusted(chain, authType);
      }

      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType)
          throws CertificateException {
        pkix.checkServerTrusted(chain, authType);
      }

      @Override
      public X509Certificate[] getAcceptedIssuers() {
        return pkix.getAcceptedIssuers();
      }
    };
    HeldCertificate elsewhere = TestPki.leaf(ca, "idp.example.com");
    HttpUrl url = start(elsewhere, ca.certificate());
    clients = new SecureClients(plain, false);
    Throwable t = failure(clients.clientFor(List.of(randomPin())), url);
    assertThat(SecurityFailures.describe(t)).isNull();
    assertThat(t).hasStackTraceContaining("does not name host 'localhost'");
    server.close();

    url = start(leaf, ca.certificate());
    assertThat(get(clients.clientFor(List.of(pin(ca))), url)).isEqualTo(200);
    assertThat(SecurityFailures.describe(failure(clients.clientFor(List.of(randomPin())), url)))
        .contains("SPKI pin mismatch");
  }

  @Test
  void pinnedClientsRefusePlainHttpUnpinnedOnesDoNot() throws Exception {
    try (MockWebServer plain = TestPki.http()) {
      clients = new SecureClients(TestPki.trusting(ca), false);
      HttpUrl url = TestPki.localhostUrl(plain, "http", "/jwks");
      assertThat(get(clients.clientFor(List.of()), url)).isEqualTo(200);
      Throwable t = failure(clients.clientFor(List.of(pin(ca))), url);
      assertThat(t).isInstanceOf(CleartextRefusedException.class);
      assertThat(SecurityFailures.describe(t)).contains(url.toString()).contains("pinned_spki");
      assertThat(plain.getRequestCount()).isEqualTo(1);
    }
  }
}
