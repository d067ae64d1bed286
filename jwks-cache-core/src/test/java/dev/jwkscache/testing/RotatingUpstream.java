package dev.jwkscache.testing;

import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import mockwebserver3.MockResponse;
import mockwebserver3.RecordedRequest;
import mockwebserver3.SocketEffect;

/**
 * Loopback JWKS endpoints for many pairs at once, for the stress and state-machine tests. A pair's
 * set lives at {@code /<tenant>/<provider>/jwks.json} on any of the servers, and its keys carry
 * kids {@code <tenant>.<provider>.v<N>} (the current and the previous version), so a test can
 * tell whose keys it got. {@link #rotate()} moves every pair to a new version. In flapping mode
 * the endpoints also answer 500 / 503 with Retry-After, hang past the attempt timeout, reset the
 * connection, send malformed JSON, and answer conditional requests with 304; they never serve
 * one pair's keys to another.
 */
public final class RotatingUpstream implements AutoCloseable {
  private static final List<ECKey> MATERIAL = List.of(TestKeys.ec("pool-0"),
      TestKeys.ec("pool-1"), TestKeys.ec("pool-2"), TestKeys.ec("pool-3"));

  private final List<JwksServer> servers = new ArrayList<>();
  private final AtomicLong version = new AtomicLong(1);
  private volatile boolean flapping;
  private volatile long slowMillis = 400;
  private final AtomicLong served = new AtomicLong();
  private final AtomicLong faults = new AtomicLong();

  public RotatingUpstream(int serverCount) {
    for (int i = 0; i < serverCount; i++) {
      JwksServer s = new JwksServer();
      s.respond(this::answer);
      servers.add(s);
    }
  }

  public String url(int server, String tenant, String provider) {
    return servers.get(server).server().url("/" + tenant + "/" + provider + "/jwks.json")
        .toString();
  }

  public int serverCount() {
    return servers.size();
  }

  public void rotate() {
    version.incrementAndGet();
  }

  public long version() {
    return version.get();
  }

  public void flapping(boolean on) {
    flapping = on;
  }

  /** How long a "slow" answer stalls before its headers. */
  public void slowMillis(long millis) {
    slowMillis = millis;
  }

  /** Requests received by every server. */
  public long requests() {
    return servers.stream().mapToLong(JwksServer::requests).sum();
  }

  public long faults() {
    return faults.get();
  }

  public long served() {
    return served.get();
  }

  /** The kid prefix of a pair's keys. */
  public static String kidPrefix(String tenant, String provider) {
    return tenant + "." + provider + ".";
  }

  /** The kids a pair's set holds at version {@code v}. */
  public static List<String> kids(String tenant, String provider, long v) {
    return List.of(kidPrefix(tenant, provider) + "v" + v, kidPrefix(tenant, provider) + "v"
        + (v - 1));
  }

  /** The public set of a pair at a version. */
  public static String jwks(String tenant, String provider, long v) {
    List<JWK> keys = new ArrayList<>();
    for (String kid : kids(tenant, provider, v)) {
      ECKey base = MATERIAL.get(Math.floorMod(kid.hashCode(), MATERIAL.size()));
      keys.add(new ECKey.Builder(base.toPublicJWK()).keyID(kid).build());
    }
    return new JWKSet(keys).toString(true);
  }

  private MockResponse answer(RecordedRequest request) {
    String[] parts = request.getUrl().encodedPath().split("/");
    if (parts.length != 4 || !parts[3].equals("jwks.json")) {
      return new MockResponse.Builder().code(404).body("no such pair").build();
    }
    String tenant = parts[1];
    String provider = parts[2];
    long v = version.get();
    String etag = "\"" + tenant + "-" + provider + "-" + v + "\"";
    ThreadLocalRandom random = ThreadLocalRandom.current();
    if (flapping) {
      int roll = random.nextInt(100);
      if (roll < 10) {
        faults.incrementAndGet();
        return new MockResponse.Builder().code(500).body("upstream is down").build();
      }
      if (roll < 14) {
        faults.incrementAndGet();
        return new MockResponse.Builder().code(503).addHeader("Retry-After", "1")
            .body("busy").build();
      }
      if (roll < 20) {
        faults.incrementAndGet();
        return ok(tenant, provider, v, etag, random).newBuilder()
            .headersDelay(slowMillis, TimeUnit.MILLISECONDS).build();
      }
      if (roll < 24) {
        faults.incrementAndGet();
        return new MockResponse.Builder().code(200).body("{\"keys\": [ {\"kty\": ")
            .addHeader("Cache-Control", "max-age=60").build();
      }
      if (roll < 27) {
        faults.incrementAndGet();
        return new MockResponse.Builder().code(200).body(jwks(tenant, provider, v))
            .onResponseStart(new SocketEffect.CloseSocket()).build();
      }
    }
    if (etag.equals(request.getHeaders().get("If-None-Match"))) {
      served.incrementAndGet();
      return new MockResponse.Builder().code(304).addHeader("ETag", etag)
          .addHeader("Cache-Control", "max-age=" + maxAge(random)).build();
    }
    served.incrementAndGet();
    return ok(tenant, provider, v, etag, random);
  }

  private static MockResponse ok(String tenant, String provider, long v, String etag,
      ThreadLocalRandom random) {
    return new MockResponse.Builder().code(200).addHeader("Content-Type", "application/json")
        .addHeader("Cache-Control", "max-age=" + maxAge(random)).addHeader("ETag", etag)
        .body(jwks(tenant, provider, v)).build();
  }

  private static int maxAge(ThreadLocalRandom random) {
    int[] ages = {0, 30, 45, 60, 120};
    return ages[random.nextInt(ages.length)];
  }

  @Override
  public void close() {
    servers.forEach(JwksServer::close);
  }
}
