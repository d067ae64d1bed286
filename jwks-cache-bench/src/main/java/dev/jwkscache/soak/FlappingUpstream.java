package dev.jwkscache.soak;

import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The soak's identity provider: one loopback JDK HTTP server serving every pair's set at
 * {@code /<tenant>/<provider>/jwks.json} (kid {@code <tenant>.<provider>.k1}), cycling through
 * three phases: healthy (still 3 % of answers fail), slow (every answer stalls 0.5 to 5 s, past
 * the default 3 s attempt timeout about half of the time) and failing (500, 503, connections
 * closed without an answer, and malformed JSON only).
 */
final class FlappingUpstream implements AutoCloseable {
  enum Phase { HEALTHY, SLOW, FAILING }

  private final HttpServer server;
  private final ExecutorService pool;
  private final ECKey material;
  private final long startMillis = System.currentTimeMillis();
  private final long healthyMillis;
  private final long slowMillis;
  private final long failingMillis;
  private final AtomicLong requests = new AtomicLong();
  private final AtomicLong failures = new AtomicLong();

  FlappingUpstream(long healthySeconds, long slowSeconds, long failingSeconds) throws Exception {
    this.healthyMillis = healthySeconds * 1000;
    this.slowMillis = slowSeconds * 1000;
    this.failingMillis = failingSeconds * 1000;
    this.material = new ECKeyGenerator(Curve.P_256).generate();
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1024);
    pool = Executors.newFixedThreadPool(64, r -> {
      Thread t = new Thread(r, "soak-upstream");
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(pool);
    server.createContext("/", this::handle);
    server.start();
  }

  String url(String tenant, String provider) {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/" + tenant + "/" + provider
        + "/jwks.json";
  }

  static String kid(String tenant, String provider) {
    return tenant + "." + provider + ".k1";
  }

  Phase phase() {
    long cycle = healthyMillis + slowMillis + failingMillis;
    long at = (System.currentTimeMillis() - startMillis) % cycle;
    if (at < healthyMillis) {
      return Phase.HEALTHY;
    }
    return at < healthyMillis + slowMillis ? Phase.SLOW : Phase.FAILING;
  }

  long requests() {
    return requests.get();
  }

  long failures() {
    return failures.get();
  }

  private void handle(HttpExchange exchange) throws IOException {
    requests.incrementAndGet();
    try (exchange) {
      String[] parts = exchange.getRequestURI().getPath().split("/");
      if (parts.length != 4) {
        send(exchange, 404, "no such pair", null);
        return;
      }
      ThreadLocalRandom random = ThreadLocalRandom.current();
      Phase phase = phase();
      if (phase == Phase.FAILING || (phase == Phase.HEALTHY && random.nextInt(100) < 3)) {
        failures.incrementAndGet();
        switch (random.nextInt(4)) {
          case 0 -> send(exchange, 500, "down", null);
          case 1 -> send(exchange, 503, "busy", null);
          case 2 -> send(exchange, 200, "{\"keys\":[{\"kty\":", "max-age=60");
          default -> {
            // reset: close without an answer
          }
        }
        return;
      }
      if (phase == Phase.SLOW) {
        try {
          Thread.sleep(500 + random.nextInt(4_500));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
      String json = new JWKSet(new ECKey.Builder(material.toPublicJWK())
          .keyID(kid(parts[1], parts[2])).build()).toString(true);
      send(exchange, 200, json, "max-age=" + (30 + random.nextInt(31)));
    }
  }

  private static void send(HttpExchange exchange, int status, String body, String cacheControl)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().add("Content-Type", "application/json");
    if (cacheControl != null) {
      exchange.getResponseHeaders().add("Cache-Control", cacheControl);
    }
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    pool.shutdownNow();
  }

  static List<Phase> phases() {
    return List.of(Phase.values());
  }
}
