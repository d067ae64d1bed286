package dev.jwkscache.bench;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A loopback JWKS endpoint for benchmarks: serves one realistic set (3 RSA-2048 keys) under any
 * path, counting requests. Benchmark-only: the JDK server is enough to feed a cache.
 */
public final class LoopbackJwks implements AutoCloseable {
  private final HttpServer server;
  private final AtomicLong requests = new AtomicLong();
  private final List<RSAKey> keys = new ArrayList<>();
  private volatile byte[] body;
  private volatile String cacheControl = "max-age=3600";

  public LoopbackJwks() throws IOException {
    for (int i = 1; i <= 3; i++) {
      keys.add(generate("key-" + i));
    }
    List<JWK> pub = new ArrayList<>();
    keys.forEach(k -> pub.add(k.toPublicJWK()));
    body = new JWKSet(pub).toString().getBytes(StandardCharsets.UTF_8);
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 512);
    server.setExecutor(Executors.newFixedThreadPool(4, r -> {
      Thread t = new Thread(r, "loopback-jwks");
      t.setDaemon(true);
      return t;
    }));
    server.createContext("/", exchange -> {
      requests.incrementAndGet();
      byte[] b = body;
      exchange.getResponseHeaders().add("Content-Type", "application/json");
      exchange.getResponseHeaders().add("Cache-Control", cacheControl);
      exchange.sendResponseHeaders(200, b.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(b);
      }
    });
    server.start();
  }

  private static RSAKey generate(String kid) {
    try {
      return new RSAKeyGenerator(2048).keyID(kid).keyUse(KeyUse.SIGNATURE)
          .algorithm(JWSAlgorithm.RS256).generate();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  public String url(String path) {
    return "http://127.0.0.1:" + server.getAddress().getPort() + path;
  }

  public List<RSAKey> keys() {
    return keys;
  }

  public long requests() {
    return requests.get();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
