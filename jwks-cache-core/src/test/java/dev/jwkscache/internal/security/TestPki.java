package dev.jwkscache.internal.security;

import dev.jwkscache.SpkiPin;
import java.io.IOException;
import java.net.InetAddress;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.X509TrustManager;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.HttpUrl;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;

/** Certificates made in the test, and loopback servers that present them. */
final class TestPki {
  static final String JWKS = "{\"keys\":[]}";

  private TestPki() {
  }

  static HeldCertificate ca(String name) {
    return new HeldCertificate.Builder().certificateAuthority(0).commonName(name).build();
  }

  static HeldCertificate leaf(HeldCertificate issuer, String san) {
    return new HeldCertificate.Builder().commonName(san).addSubjectAlternativeName(san)
        .signedBy(issuer).duration(1, TimeUnit.DAYS).build();
  }

  static HeldCertificate expiredLeaf(HeldCertificate issuer, String san) {
    long now = System.currentTimeMillis();
    return new HeldCertificate.Builder().commonName(san).addSubjectAlternativeName(san)
        .signedBy(issuer)
        .validityInterval(now - TimeUnit.DAYS.toMillis(2), now - TimeUnit.DAYS.toMillis(1))
        .build();
  }

  /** A client-side trust manager trusting exactly these CAs. */
  static X509TrustManager trusting(HeldCertificate... cas) {
    HandshakeCertificates.Builder b = new HandshakeCertificates.Builder();
    for (HeldCertificate ca : cas) {
      b.addTrustedCertificate(ca.certificate());
    }
    return b.build().trustManager();
  }

  static SpkiPin pin(HeldCertificate c) {
    return SpkiPin.of(c.certificate());
  }

  static String b64(HeldCertificate c) {
    return pin(c).base64();
  }

  static SpkiPin randomPin() {
    byte[] b = new byte[32];
    new SecureRandom().nextBytes(b);
    return SpkiPin.parse(Base64.getEncoder().encodeToString(b));
  }

  /** A loopback HTTPS server presenting {@code leaf} followed by {@code chain}, answering 200. */
  static MockWebServer https(HeldCertificate leaf, X509Certificate... chain) throws IOException {
    MockWebServer server = new MockWebServer();
    server.useHttps(new HandshakeCertificates.Builder().heldCertificate(leaf, chain).build()
        .sslSocketFactory());
    server.setDispatcher(ok());
    server.start(InetAddress.getByName("127.0.0.1"), 0);
    return server;
  }

  /** A loopback plain-http server answering 200. */
  static MockWebServer http() throws IOException {
    MockWebServer server = new MockWebServer();
    server.setDispatcher(ok());
    server.start(InetAddress.getByName("127.0.0.1"), 0);
    return server;
  }

  static Dispatcher ok() {
    return new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        return new MockResponse.Builder().code(200)
            .addHeader("Content-Type", "application/json").body(JWKS).build();
      }
    };
  }

  /** https://localhost:port/path for a server bound to 127.0.0.1. */
  static HttpUrl localhostUrl(MockWebServer server, String scheme, String path) {
    return new HttpUrl.Builder().scheme(scheme).host("localhost").port(server.getPort())
        .encodedPath(path).build();
  }
}
