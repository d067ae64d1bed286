package dev.jwkscache.internal.security;

import dev.jwkscache.SpkiPin;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.X509TrustManager;
import okhttp3.OkHttpClient;

/**
 * Hands out the OkHttp clients the fetcher uses: one shared base (dispatcher, connection pool),
 * and per pin set a client whose TLS handshake enforces those pins, so that connections made
 * under different pin sets are never shared. Redirects are off: the fetcher follows them itself.
 */
public final class SecureClients implements AutoCloseable {
  private final OkHttpClient base;
  private final ConcurrentHashMap<List<SpkiPin>, OkHttpClient> byPins = new ConcurrentHashMap<>();

  /**
   * @param trustManager trust anchors for PKIX validation, or null for the JVM's defaults
   * @param refusePrivateAddresses also refuse loopback, private and unspecified addresses (the
   *     link-local and metadata ranges are always refused)
   */
  public SecureClients(X509TrustManager trustManager, boolean refusePrivateAddresses) {
    this.base = new OkHttpClient.Builder()
        .followRedirects(false)
        .followSslRedirects(false)
        .retryOnConnectionFailure(false)
        .build();
  }

  /** The client to use for a registration with these pins (empty = no pinning). */
  public OkHttpClient clientFor(List<SpkiPin> pins) {
    if (pins.isEmpty()) {
      return base;
    }
    return byPins.computeIfAbsent(List.copyOf(pins), p -> base.newBuilder().build());
  }

  @Override
  public void close() {
    base.dispatcher().executorService().shutdown();
    base.connectionPool().evictAll();
    try {
      base.dispatcher().executorService().awaitTermination(1, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
