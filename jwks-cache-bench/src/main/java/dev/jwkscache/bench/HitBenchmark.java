package dev.jwkscache.bench;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.RSAKey;
import dev.jwkscache.ProviderRegistration;
import dev.jwkscache.Registry;
import java.security.PublicKey;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * A cache hit: the lookup of a known kid among 100 registered pairs, ours against a hand-written
 * baseline (a ConcurrentHashMap of holders, each a volatile immutable key array with an expiry
 * checked by {@code System.currentTimeMillis()}). Run with {@code -t 1} and {@code -t 2}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Benchmark)
public class HitBenchmark {
  static final int PAIRS = 100;

  private LoopbackJwks upstream;
  private Registry registry;
  private String[] tenants;
  private final ConcurrentHashMap<String, Holder> baseline = new ConcurrentHashMap<>();
  private final String kid = "key-2";

  /** The baseline's per-pair holder. */
  static final class Holder {
    volatile Entry[] keys;
    volatile long expiresAt;
  }

  record Entry(String kid, JWK jwk, PublicKey key) {
  }

  /** Each thread walks the pairs in its own order, so threads do not hit one pair in lockstep. */
  @State(Scope.Thread)
  public static class Cursor {
    int next;

    @Setup(Level.Trial)
    public void setUp() {
      next = (int) (Thread.currentThread().getId() * 37 % PAIRS);
    }

    int nextIndex() {
      int i = next + 1;
      if (i == PAIRS) {
        i = 0;
      }
      next = i;
      return i;
    }
  }

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    upstream = new LoopbackJwks();
    registry = Registry.builder().requireHttps(false).build();
    tenants = new String[PAIRS];
    for (int i = 0; i < PAIRS; i++) {
      tenants[i] = "tenant-" + i;
      registry.register(ProviderRegistration.builder(tenants[i], "idp",
          upstream.url("/" + tenants[i] + "/jwks")).build());
      registry.resolve(tenants[i], "idp");

      Entry[] entries = new Entry[3];
      int k = 0;
      for (RSAKey key : upstream.keys()) {
        RSAKey pub = key.toPublicJWK();
        entries[k++] = new Entry(pub.getKeyID(), pub, pub.toRSAPublicKey());
      }
      Holder h = new Holder();
      h.keys = entries;
      h.expiresAt = System.currentTimeMillis() + 3_600_000;
      baseline.put(tenants[i], h);
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    registry.close();
    upstream.close();
  }

  @Benchmark
  public JWK oursJwk(Cursor c) {
    return registry.resolveKey(tenants[c.nextIndex()], "idp", kid);
  }

  @Benchmark
  public PublicKey oursPublicKey(Cursor c) {
    return registry.resolvePublicKey(tenants[c.nextIndex()], "idp", kid);
  }

  @Benchmark
  public JWK baselineJwk(Cursor c) {
    Holder h = baseline.get(tenants[c.nextIndex()]);
    if (System.currentTimeMillis() >= h.expiresAt) {
      throw new IllegalStateException("expired");
    }
    for (Entry e : h.keys) {
      if (kid.equals(e.kid())) {
        return e.jwk();
      }
    }
    return null;
  }
}
