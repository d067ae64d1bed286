package dev.jwkscache.bench;

import dev.jwkscache.ProviderRegistration;
import dev.jwkscache.Registry;
import dev.jwkscache.RetryPolicy;
import dev.jwkscache.bench.harness.ShiftableClock;
import dev.jwkscache.bench.harness.ShiftingScheduler;
import java.security.PublicKey;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The per-lookup cost of the two paths that scenarios 3 and 4 exercise under load, measured alone
 * (one thread; run with {@code -prof gc}):
 *
 * <ul>
 *   <li>{@code *UnknownKid}: a kid that is not in the set, inside the unknown-kid cooldown (ours)
 *       or the peers' rate limit, so no fetch happens: the fail-fast path of the storm;</li>
 *   <li>{@code oursStaleInBackoff}: ours serving the stale set while a failed refresh backs off
 *       (upstream down, the set expired, backoff made very long so that it lasts the whole run):
 *       the path every lookup of the outage scenario takes between refresh attempts.</li>
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g",
    "-Dorg.slf4j.simpleLogger.defaultLogLevel=error"})
public class SlowPathBenchmark {

  /** One pair per contender, loaded, with a counter to make every unknown kid different. */
  @State(Scope.Benchmark)
  public static class Pairs {
    LoopbackJwks upstream;
    Contender ours;
    Contender nimbus;
    Contender auth0;
    KeyLookup oursLookup;
    KeyLookup nimbusLookup;
    KeyLookup auth0Lookup;
    KeyLookup staleLookup;
    Registry staleRegistry;
    long n;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
      upstream = LoopbackJwks.http();
      ours = Contender.ours(Registry.builder().requireHttps(false).build());
      nimbus = Contender.nimbusDefaults();
      auth0 = Contender.auth0Defaults();
      oursLookup = ours.create("ours", upstream.url("/ours/jwks"));
      nimbusLookup = nimbus.create("nimbus", upstream.url("/nimbus/jwks"));
      auth0Lookup = auth0.create("auth0", upstream.url("/auth0/jwks"));
      for (KeyLookup l : new KeyLookup[] {oursLookup, nimbusLookup, auth0Lookup}) {
        if (l.publicKey("key-2") == null) {
          throw new IllegalStateException("not loaded");
        }
      }

      // ours, expired with upstream down and a failed refresh backing off for an hour
      ShiftableClock clock = new ShiftableClock();
      ShiftingScheduler scheduler = new ShiftingScheduler(clock);
      staleRegistry = Registry.builder().requireHttps(false).clock(clock).scheduler(scheduler)
          .build();
      upstream.path("/stale/jwks").cacheControl("max-age=60");
      staleRegistry.register(ProviderRegistration.builder("stale", "idp",
              upstream.url("/stale/jwks"))
          .staleWhileError(Duration.ofDays(1))
          .retryPolicy(RetryPolicy.builder().maxRetries(0).initialBackoff(Duration.ofHours(1))
              .maxBackoff(Duration.ofHours(1)).deadline(Duration.ofSeconds(8)).build())
          .build());
      staleRegistry.resolve("stale", "idp");
      upstream.path("/stale/jwks").mode(LoopbackJwks.Mode.FAIL);
      scheduler.advance(Duration.ofSeconds(61));
      try {
        staleRegistry.refresh("stale", "idp").get();
        throw new IllegalStateException("the refresh should have failed");
      } catch (java.util.concurrent.ExecutionException expected) {
        // now stale, backing off
      }
      staleLookup = new KeyLookup() {
        @Override
        public Object jwk(String kid) {
          return staleRegistry.resolveKey("stale", "idp", kid);
        }

        @Override
        public PublicKey publicKey(String kid) {
          return staleRegistry.resolvePublicKey("stale", "idp", kid);
        }
      };
      if (staleLookup.publicKey("key-2") == null) {
        throw new IllegalStateException("stale set not served");
      }
    }

    String nextKid() {
      return "unknown-" + (n++);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      ours.close();
      staleRegistry.close();
      upstream.close();
    }
  }

  private static Object swallow(KeyLookup l, String kid) {
    try {
      return l.publicKey(kid);
    } catch (Exception e) {
      return e;
    }
  }

  @Benchmark
  public Object oursUnknownKid(Pairs p) {
    return swallow(p.oursLookup, p.nextKid());
  }

  @Benchmark
  public Object nimbusUnknownKid(Pairs p) {
    return swallow(p.nimbusLookup, p.nextKid());
  }

  @Benchmark
  public Object auth0UnknownKid(Pairs p) {
    return swallow(p.auth0Lookup, p.nextKid());
  }

  @Benchmark
  public Object oursStaleInBackoff(Pairs p) throws Exception {
    return p.staleLookup.publicKey("key-2");
  }

  @Benchmark
  public Object oursFreshHit(Pairs p) throws Exception {
    return p.oursLookup.publicKey("key-2");
  }
}
