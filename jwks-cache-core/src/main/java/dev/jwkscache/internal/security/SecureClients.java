package dev.jwkscache.internal.security;

import dev.jwkscache.SpkiPin;
import java.net.Proxy;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import javax.security.auth.x500.X500Principal;
import okhttp3.Dns;
import okhttp3.Interceptor;
import okhttp3.OkHttpClient;

/**
 * Hands out the OkHttp clients the fetcher uses: one shared base (dispatcher, connection pool),
 * and per pin set a client whose TLS handshake enforces those pins, so that connections made
 * under different pin sets are never shared. Redirects are off: the fetcher follows them itself.
 *
 * <p>Every client carries the same guards, so every attempt and every redirect hop passes them:
 * <ul>
 *   <li>a {@code Dns} that refuses a name when any address it resolves to is refused by
 *       {@link AddressPolicy};</li>
 *   <li>a {@code SocketFactory} whose sockets check the target address in {@code connect()}
 *       (IP literals never reach the {@code Dns});</li>
 *   <li>no proxy, ever (through a proxy the address reached would be out of our sight);</li>
 *   <li>a TLS socket factory that verifies the host name inside the handshake, over a trust
 *       manager that validates (PKIX) first and checks pins last; one factory and one
 *       {@code SSLContext} per pin set;</li>
 *   <li>for pinned clients, an interceptor refusing plain-http requests.</li>
 * </ul>
 *
 * <p>Clients derived with {@code newBuilder()} keep these hooks (and so their pool partition) as
 * long as the caller does not replace {@code dns}, {@code socketFactory}, {@code proxy},
 * {@code proxySelector}, the interceptors, or
 * {@code sslSocketFactory}; per-call timeouts may be set freely.
 */
public final class SecureClients implements AutoCloseable {
  /** Beyond this many distinct pin sets the cache of pinned clients is dropped and rebuilt. */
  private static final int MAX_PIN_SETS = 1024;

  /** Pinned clients refuse plain http: pins can only be checked in a TLS handshake. */
  private static final Interceptor HTTPS_ONLY = chain -> {
    if (!chain.request().isHttps()) {
      throw new CleartextRefusedException(chain.request().url().toString());
    }
    return chain.proceed(chain.request());
  };

  private final X509TrustManager pkix;
  private final Map<X500Principal, List<X509Certificate>> anchors;
  private final boolean refusePrivateAddresses;
  private final OkHttpClient base;
  private final ConcurrentHashMap<Set<SpkiPin>, OkHttpClient> byPins = new ConcurrentHashMap<>();

  /**
   * @param trustManager trust anchors for PKIX validation, or null for the JVM's defaults
   * @param refusePrivateAddresses also refuse loopback, private and unspecified addresses (the
   *     link-local and metadata ranges are always refused)
   */
  public SecureClients(X509TrustManager trustManager, boolean refusePrivateAddresses) {
    this(trustManager, refusePrivateAddresses, Dns.SYSTEM);
  }

  /** As above, with the resolver to wrap (tests use it to simulate hostile DNS answers). */
  SecureClients(X509TrustManager trustManager, boolean refusePrivateAddresses, Dns resolver) {
    this.pkix = trustManager != null ? trustManager : platformTrustManager();
    this.anchors = index(pkix);
    this.refusePrivateAddresses = refusePrivateAddresses;
    PinningTrustManager unpinned = new PinningTrustManager(pkix, anchors, Set.of());
    this.base = new OkHttpClient.Builder()
        .followRedirects(false)
        .followSslRedirects(false)
        .retryOnConnectionFailure(false)
        .proxy(Proxy.NO_PROXY)
        .dns(new GuardedDns(resolver, refusePrivateAddresses))
        .socketFactory(new GuardedSocketFactory(refusePrivateAddresses))
        .sslSocketFactory(socketFactory(unpinned), unpinned)
        .build();
  }

  /**
   * The client to use for a registration with these pins (empty = no pinning). A pinned client
   * refuses plain-http requests ({@link CleartextRefusedException}), so a redirect to http cannot
   * skip the pins even when the registration does not require https.
   */
  public OkHttpClient clientFor(List<SpkiPin> pins) {
    if (pins.isEmpty()) {
      return base;
    }
    Set<SpkiPin> key = Set.copyOf(pins);
    OkHttpClient c = byPins.get(key);
    if (c != null) {
      return c;
    }
    if (byPins.size() >= MAX_PIN_SETS) {
      // Safe: a dropped client is rebuilt on demand; calls already running keep theirs.
      byPins.clear();
    }
    return byPins.computeIfAbsent(key, k -> {
      PinningTrustManager tm = new PinningTrustManager(pkix, anchors, k);
      return base.newBuilder()
          .sslSocketFactory(socketFactory(tm), tm)
          .addInterceptor(HTTPS_ONLY)
          .build();
    });
  }

  /** Whether loopback, private and unspecified addresses are refused too. */
  public boolean refusesPrivateAddresses() {
    return refusePrivateAddresses;
  }

  /**
   * The registration-time check of a URL host under this instance's policy: a refusal message
   * when the host is a refused address literal, else null. See
   * {@link AddressPolicy#checkLiteral(String, boolean)}.
   */
  public String checkLiteral(String host) {
    return AddressPolicy.checkLiteral(host, refusePrivateAddresses);
  }

  private static HttpsEndpointSocketFactory socketFactory(X509TrustManager tm) {
    try {
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(null, new TrustManager[] {tm}, null);
      return new HttpsEndpointSocketFactory(ctx.getSocketFactory());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("No usable TLS implementation in this JVM", e);
    }
  }

  private static X509TrustManager platformTrustManager() {
    try {
      TrustManagerFactory f =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      f.init((KeyStore) null);
      for (TrustManager tm : f.getTrustManagers()) {
        if (tm instanceof X509TrustManager x) {
          return x;
        }
      }
      throw new IllegalStateException("The JVM offers no X509TrustManager");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("Cannot load the JVM's default trust anchors", e);
    }
  }

  private static Map<X500Principal, List<X509Certificate>> index(X509TrustManager tm) {
    Map<X500Principal, List<X509Certificate>> m = new HashMap<>();
    X509Certificate[] issuers = tm.getAcceptedIssuers();
    if (issuers != null) {
      for (X509Certificate c : issuers) {
        m.computeIfAbsent(c.getSubjectX500Principal(), k -> new ArrayList<>()).add(c);
      }
    }
    Map<X500Principal, List<X509Certificate>> frozen = new HashMap<>();
    m.forEach((k, v) -> frozen.put(k, List.copyOf(v)));
    return Map.copyOf(frozen);
  }

  /**
   * Cancels every call in flight (synchronous ones too: every client shares the base dispatcher),
   * stops the dispatcher and closes idle pooled connections.
   */
  @Override
  public void close() {
    base.dispatcher().cancelAll();
    base.dispatcher().executorService().shutdown();
    base.connectionPool().evictAll();
    try {
      base.dispatcher().executorService().awaitTermination(1, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
