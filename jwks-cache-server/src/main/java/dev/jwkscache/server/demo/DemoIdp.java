package dev.jwkscache.server.demo;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import dev.jwkscache.SpkiPin;
import java.io.IOException;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.X509TrustManager;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;

/**
 * A local HTTPS identity provider: a CA and a server certificate made at start, one JWKS
 * document per tenant path, each of which the demo can rotate or make fail.
 */
final class DemoIdp implements AutoCloseable {
  /** One tenant's endpoint. */
  static final class Endpoint {
    volatile List<JWK> keys;
    volatile int failStatus;
    final AtomicInteger requests = new AtomicInteger();
    final int maxAgeSeconds;

    Endpoint(List<JWK> keys, int maxAgeSeconds) {
      this.keys = List.copyOf(keys);
      this.maxAgeSeconds = maxAgeSeconds;
    }
  }

  private final HeldCertificate ca;
  private final HeldCertificate leaf;
  private final MockWebServer server = new MockWebServer();
  private final Map<String, Endpoint> endpoints = new ConcurrentHashMap<>();

  DemoIdp() throws IOException {
    ca = new HeldCertificate.Builder().certificateAuthority(0)
        .commonName("jwks-cache demo CA").build();
    leaf = new HeldCertificate.Builder().signedBy(ca).commonName("localhost")
        .addSubjectAlternativeName("localhost").addSubjectAlternativeName("127.0.0.1").build();
    HandshakeCertificates serverCerts = new HandshakeCertificates.Builder()
        .heldCertificate(leaf, ca.certificate()).build();
    server.useHttps(serverCerts.sslSocketFactory());
    server.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        Endpoint e = endpoints.get(request.getUrl().encodedPath());
        if (e == null) {
          return new MockResponse.Builder().code(404).build();
        }
        e.requests.incrementAndGet();
        if (e.failStatus != 0) {
          return new MockResponse.Builder().code(e.failStatus).body("identity provider down")
              .build();
        }
        return new MockResponse.Builder().code(200)
            .addHeader("Content-Type", "application/jwk-set+json")
            .addHeader("Cache-Control", "public, max-age=" + e.maxAgeSeconds)
            .body(new JWKSet(e.keys).toString(true)).build();
      }
    });
    server.start(InetAddress.getByName("127.0.0.1"), 0);
  }

  Endpoint add(String path, List<JWK> keys, int maxAgeSeconds) {
    Endpoint e = new Endpoint(keys, maxAgeSeconds);
    endpoints.put(path, e);
    return e;
  }

  String url(String path) {
    return "https://localhost:" + server.getPort() + path;
  }

  /** The SHA-256 SPKI pin of the server certificate. */
  String leafPin() {
    return SpkiPin.of(leaf.certificate()).base64();
  }

  /** Trusts the demo CA only. */
  X509TrustManager trustManager() {
    return new HandshakeCertificates.Builder().addTrustedCertificate(ca.certificate()).build()
        .trustManager();
  }

  @Override
  public void close() {
    server.close();
  }
}
