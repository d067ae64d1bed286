package dev.jwkscache.server;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import dev.jwkscache.SpkiPin;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
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

/** A loopback HTTPS JWKS endpoint with a CA made per test class. */
final class TestIdp implements AutoCloseable {
  final HeldCertificate ca = new HeldCertificate.Builder().certificateAuthority(0)
      .commonName("test CA").build();
  final HeldCertificate leaf = new HeldCertificate.Builder().signedBy(ca).commonName("localhost")
      .addSubjectAlternativeName("localhost").build();
  private final MockWebServer server = new MockWebServer();
  private final Map<String, List<JWK>> documents = new ConcurrentHashMap<>();
  private final Map<String, Integer> failures = new ConcurrentHashMap<>();
  final AtomicInteger requests = new AtomicInteger();

  TestIdp() {
    server.useHttps(new HandshakeCertificates.Builder().heldCertificate(leaf, ca.certificate())
        .build().sslSocketFactory());
    server.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest r) {
        requests.incrementAndGet();
        String path = r.getUrl().encodedPath();
        Integer fail = failures.get(path);
        if (fail != null) {
          return new MockResponse.Builder().code(fail).body("no").build();
        }
        List<JWK> keys = documents.get(path);
        if (keys == null) {
          return new MockResponse.Builder().code(404).body("unknown").build();
        }
        return new MockResponse.Builder().code(200).addHeader("Cache-Control", "max-age=600")
            .addHeader("ETag", "\"v" + keys.size() + "\"")
            .body(new JWKSet(keys).toString(false)).build();
      }
    });
    try {
      server.start(InetAddress.getByName("127.0.0.1"), 0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Serves these keys at {@code path} (as given: private members included if any). */
  String serve(String path, List<JWK> keys) {
    documents.put(path, List.copyOf(keys));
    failures.remove(path);
    return url(path);
  }

  void fail(String path, int status) {
    failures.put(path, status);
  }

  String url(String path) {
    return "https://localhost:" + server.getPort() + path;
  }

  String leafPin() {
    return SpkiPin.of(leaf.certificate()).base64();
  }

  String caPin() {
    return SpkiPin.of(ca.certificate()).base64();
  }

  X509TrustManager trustManager() {
    return new HandshakeCertificates.Builder().addTrustedCertificate(ca.certificate()).build()
        .trustManager();
  }

  Path writeCaPem(Path dir) throws IOException {
    return Files.writeString(dir.resolve("ca.pem"), ca.certificatePem());
  }

  static RSAKey rsa(String kid) {
    try {
      return new RSAKeyGenerator(2048).keyID(kid).keyUse(KeyUse.SIGNATURE)
          .algorithm(JWSAlgorithm.RS256).generate();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    server.close();
  }
}
