package dev.jwkscache.bench;

import com.auth0.jwk.Jwk;
import com.auth0.jwk.UrlJwkProvider;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.JWKSetCacheRefreshEvaluator;
import com.nimbusds.jose.jwk.source.URLBasedJWKSetSource;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.DefaultResourceRetriever;
import dev.jwkscache.ProviderRegistration;
import dev.jwkscache.Registry;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.HttpsURLConnection;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Scenario 5, refresh cost: one complete refresh cycle on loopback (fetch the 3-key RSA set over
 * a kept-alive connection, parse, convert, publish), ours through {@code registry.refresh(t, p)
 * .get()}. For comparison, the fetch-and-parse step the peers run on a refresh: Nimbus's
 * {@link URLBasedJWKSetSource} and Auth0's {@link UrlJwkProvider#getAll()} (neither converts to
 * PublicKeys here; they do that per token). HTTP and HTTPS.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m",
    "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"})
public class RefreshBenchmark {
  @Param({"http", "https"})
  public String scheme;

  private LoopbackJwks upstream;
  private Registry registry;
  private URLBasedJWKSetSource<SecurityContext> nimbus;
  private UrlJwkProvider auth0;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    upstream = "https".equals(scheme) ? LoopbackJwks.https() : LoopbackJwks.http();
    Registry.Builder b = Registry.builder().requireHttps(upstream.isHttps());
    if (upstream.isHttps()) {
      b.trustManager(upstream.trustManager());
      HttpsURLConnection.setDefaultSSLSocketFactory(upstream.sslSocketFactory());
    }
    registry = b.build();
    registry.register(ProviderRegistration.builder("t", "idp", upstream.url("/t/jwks")).build());
    registry.resolve("t", "idp");
    nimbus = new URLBasedJWKSetSource<>(Contender.toUrl(upstream.url("/nimbus/jwks")),
        new DefaultResourceRetriever(500, 500, 50 * 1024));
    auth0 = new UrlJwkProvider(Contender.toUrl(upstream.url("/auth0/jwks")));
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    registry.close();
    upstream.close();
  }

  @Benchmark
  public JWKSet ours() throws Exception {
    return registry.refresh("t", "idp").get();
  }

  @Benchmark
  public JWKSet nimbusFetchAndParse() throws Exception {
    return nimbus.getJWKSet(JWKSetCacheRefreshEvaluator.forceRefresh(), System.currentTimeMillis(),
        null);
  }

  @Benchmark
  public List<Jwk> auth0FetchAndParse() throws Exception {
    return auth0.getAll();
  }
}
