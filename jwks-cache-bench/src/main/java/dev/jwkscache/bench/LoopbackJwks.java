package dev.jwkscache.bench;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.X509TrustManager;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;

/**
 * A loopback JWKS endpoint for benchmarks and scenarios. It serves one realistic set (3 RSA-2048
 * public keys, {@code Cache-Control: max-age=3600}) under every path, and lets a scenario change
 * what one path does: its key set, its latency, a failure (HTTP 500) or a hang (the request is
 * accepted and never answered until {@link #releaseHung()}). Every request is counted, in total
 * and per configured path. Latency and hangs hold no server thread, so a slow upstream never
 * queues requests behind each other.
 *
 * <p>The HTTPS variant ({@link #https()}) uses a self-signed certificate for 127.0.0.1; clients
 * trust it through {@link #trustManager()} / {@link #sslSocketFactory()}.
 */
public final class LoopbackJwks implements AutoCloseable {

  /** What a path answers. */
  public enum Mode { OK, FAIL, HANG }

  /** The behaviour and counters of one path. */
  public static final class PathState {
    private volatile byte[] body;
    private volatile String cacheControl;
    private volatile Mode mode = Mode.OK;
    private volatile long latencyMillis;
    private final AtomicLong requests = new AtomicLong();
    private volatile long lastOkNanos;

    private PathState(byte[] body, String cacheControl) {
      this.body = body;
      this.cacheControl = cacheControl;
    }

    public PathState mode(Mode value) {
      this.mode = value;
      return this;
    }

    public Mode mode() {
      return mode;
    }

    public PathState latencyMillis(long value) {
      this.latencyMillis = value;
      return this;
    }

    public PathState cacheControl(String value) {
      this.cacheControl = value;
      return this;
    }

    /** Serves these public keys from now on. */
    public PathState keys(List<? extends JWK> keys) {
      this.body = jwksBytes(keys);
      return this;
    }

    public long requests() {
      return requests.get();
    }

    /** System.nanoTime() of the last 200 answer, or 0. */
    public long lastOkNanos() {
      return lastOkNanos;
    }
  }

  static {
    // The JDK server writes headers and body separately; with Nagle on, the body waits for the
    // client's delayed ACK (~40 ms per response). Real servers set TCP_NODELAY.
    System.setProperty("sun.net.httpserver.nodelay", "true");
  }

  private final HttpServer server;
  private final boolean https;
  private final HandshakeCertificates clientCerts;
  private final ExecutorService serverThreads;
  private final ScheduledExecutorService delays;
  private final AtomicLong requests = new AtomicLong();
  private final List<RSAKey> keys = new ArrayList<>();
  private final PathState defaults;
  private final ConcurrentHashMap<String, PathState> paths = new ConcurrentHashMap<>();
  private final ConcurrentLinkedQueue<HttpExchange> hung = new ConcurrentLinkedQueue<>();

  /** Plain HTTP on 127.0.0.1. */
  public LoopbackJwks() throws IOException {
    this(false);
  }

  public static LoopbackJwks http() throws IOException {
    return new LoopbackJwks(false);
  }

  public static LoopbackJwks https() throws IOException {
    return new LoopbackJwks(true);
  }

  private LoopbackJwks(boolean https) throws IOException {
    this.https = https;
    for (int i = 1; i <= 3; i++) {
      keys.add(generate("key-" + i));
    }
    defaults = new PathState(jwksBytes(publicKeys(keys)), "max-age=3600");
    InetSocketAddress bind = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    if (https) {
      HeldCertificate cert = new HeldCertificate.Builder()
          .commonName("loopback")
          .addSubjectAlternativeName("127.0.0.1")
          .addSubjectAlternativeName("localhost")
          .build();
      HandshakeCertificates serverCerts = new HandshakeCertificates.Builder()
          .heldCertificate(cert)
          .build();
      clientCerts = new HandshakeCertificates.Builder()
          .addTrustedCertificate(cert.certificate())
          .build();
      HttpsServer s = HttpsServer.create(bind, 1024);
      s.setHttpsConfigurator(new HttpsConfigurator(serverCerts.sslContext()));
      server = s;
    } else {
      clientCerts = null;
      server = HttpServer.create(bind, 1024);
    }
    serverThreads = Executors.newFixedThreadPool(4, daemon("loopback-jwks"));
    delays = Executors.newSingleThreadScheduledExecutor(daemon("loopback-jwks-delay"));
    server.setExecutor(serverThreads);
    server.createContext("/", this::handle);
    server.start();
  }

  private void handle(HttpExchange exchange) {
    requests.incrementAndGet();
    PathState st = paths.get(exchange.getRequestURI().getPath());
    if (st == null) {
      st = defaults;
    } else {
      st.requests.incrementAndGet();
    }
    Mode mode = st.mode;
    if (mode == Mode.HANG) {
      hung.add(exchange);
      return;
    }
    long latency = st.latencyMillis;
    PathState s = st;
    if (latency > 0) {
      delays.schedule(() -> respond(exchange, s, mode), latency, TimeUnit.MILLISECONDS);
    } else {
      respond(exchange, s, mode);
    }
  }

  private static void respond(HttpExchange exchange, PathState st, Mode mode) {
    try {
      byte[] b;
      int status;
      if (mode == Mode.FAIL) {
        status = 500;
        b = "{\"error\":\"upstream down (benchmark)\"}".getBytes(StandardCharsets.UTF_8);
      } else {
        status = 200;
        b = st.body;
        exchange.getResponseHeaders().add("Cache-Control", st.cacheControl);
      }
      exchange.getResponseHeaders().add("Content-Type", "application/json");
      exchange.sendResponseHeaders(status, b.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(b);
      }
      if (status == 200) {
        st.lastOkNanos = System.nanoTime();
      }
    } catch (IOException e) {
      // the client went away (a timeout): nothing to do
    } finally {
      exchange.close();
    }
  }

  /** Answers every hung request with a 500 and closes it (call when a scenario ends). */
  public int releaseHung() {
    int n = 0;
    HttpExchange e;
    while ((e = hung.poll()) != null) {
      respond(e, defaults, Mode.FAIL);
      n++;
    }
    return n;
  }

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }

  public static RSAKey generateKey(String kid) {
    return generate(kid);
  }

  static RSAKey generate(String kid) {
    try {
      return new RSAKeyGenerator(2048).keyID(kid).keyUse(KeyUse.SIGNATURE)
          .algorithm(JWSAlgorithm.RS256).generate();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  public static List<JWK> publicKeys(List<RSAKey> keys) {
    List<JWK> pub = new ArrayList<>();
    keys.forEach(k -> pub.add(k.toPublicJWK()));
    return pub;
  }

  static byte[] jwksBytes(List<? extends JWK> keys) {
    List<JWK> pub = new ArrayList<>();
    keys.forEach(k -> pub.add(k.toPublicJWK()));
    return new JWKSet(pub).toString().getBytes(StandardCharsets.UTF_8);
  }

  /** The state of a path, created (with the default set) on first use. */
  public PathState path(String path) {
    return paths.computeIfAbsent(path, p -> new PathState(defaults.body, defaults.cacheControl));
  }

  /** Every configured path answers with this mode (unconfigured paths stay OK). */
  public void modeForAll(Mode mode) {
    paths.values().forEach(p -> p.mode(mode));
  }

  public String url(String path) {
    return (https ? "https" : "http") + "://127.0.0.1:" + server.getAddress().getPort() + path;
  }

  public boolean isHttps() {
    return https;
  }

  /** The served key pairs (private parts included, for tests that sign). */
  public List<RSAKey> keys() {
    return keys;
  }

  /** The served document, as bytes. */
  public byte[] defaultBody() {
    return defaults.body;
  }

  public long requests() {
    return requests.get();
  }

  /** For HTTPS: trusts the loopback certificate. */
  public X509TrustManager trustManager() {
    return clientCerts == null ? null : clientCerts.trustManager();
  }

  public SSLSocketFactory sslSocketFactory() {
    return clientCerts == null ? null : clientCerts.sslSocketFactory();
  }

  @Override
  public void close() {
    releaseHung();
    server.stop(0);
    serverThreads.shutdownNow();
    delays.shutdownNow();
  }
}
