package dev.jwkscache.internal.security;

import dev.jwkscache.SpkiPin;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
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

  /**
   * A loopback HTTPS server presenting exactly {@code chain} (leaf first), even when it is not a
   * valid path: the JDK key store would refuse such a chain, so this uses a bare key manager.
   */
  static MockWebServer httpsRawChain(HeldCertificate leaf, X509Certificate... rest)
      throws Exception {
    X509Certificate[] chain = new X509Certificate[rest.length + 1];
    chain[0] = leaf.certificate();
    System.arraycopy(rest, 0, chain, 1, rest.length);
    PrivateKey key = leaf.keyPair().getPrivate();
    X509ExtendedKeyManager km = new X509ExtendedKeyManager() {
      private String alias(String keyType) {
        return key.getAlgorithm().equals(keyType) ? "k" : null;
      }

      @Override
      public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return alias(keyType);
      }

      @Override
      public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine e) {
        return alias(keyType);
      }

      @Override
      public String[] getServerAliases(String keyType, Principal[] issuers) {
        return alias(keyType) == null ? null : new String[] {"k"};
      }

      @Override
      public X509Certificate[] getCertificateChain(String alias) {
        return chain.clone();
      }

      @Override
      public PrivateKey getPrivateKey(String alias) {
        return key;
      }

      @Override
      public String[] getClientAliases(String keyType, Principal[] issuers) {
        return null;
      }

      @Override
      public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
        return null;
      }
    };
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(new KeyManager[] {km}, null, null);
    MockWebServer server = new MockWebServer();
    server.useHttps(ctx.getSocketFactory());
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
