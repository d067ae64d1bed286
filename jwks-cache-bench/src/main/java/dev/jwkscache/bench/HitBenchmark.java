package dev.jwkscache.bench;

import dev.jwkscache.Registry;
import java.security.PublicKey;
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
 * Scenario 1, a cache hit: the lookup of a known kid ("key-2", the second of three keys) among
 * {@value #PAIRS} pairs, each with its own URL, for every contender. Two figures each: the JWK
 * (the contender's own JWK object) and the {@link PublicKey} a verifier needs per token. Each
 * thread walks the pairs in its own order. Run with {@code -t 1} and {@code -t 2}.
 *
 * <p>Every contender's pair is found by index in an array of {@link KeyLookup}s; ours and the
 * baseline then also look the pair up by name in a ConcurrentHashMap (ours twice: tenant, then
 * provider), which the peers do not have to do.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g",
    "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"})
public class HitBenchmark {
  static final int PAIRS = 100;
  static final String KID = "key-2";

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

  /** {@value #PAIRS} pairs of one contender, loaded before measuring. */
  public abstract static class Pairs {
    LoopbackJwks upstream;
    Contender contender;
    KeyLookup[] lookups;

    abstract Contender contender(LoopbackJwks upstream);

    @Setup(Level.Trial)
    public void setUp() throws Exception {
      upstream = LoopbackJwks.http();
      contender = contender(upstream);
      lookups = new KeyLookup[PAIRS];
      for (int i = 0; i < PAIRS; i++) {
        lookups[i] = contender.create("tenant-" + i, upstream.url("/tenant-" + i + "/jwks"));
        if (lookups[i].publicKey(KID) == null) {
          throw new IllegalStateException(contender + " did not load pair " + i);
        }
      }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      contender.close();
      upstream.close();
    }
  }

  @State(Scope.Benchmark)
  public static class OursPairs extends Pairs {
    @Override
    Contender contender(LoopbackJwks upstream) {
      return Contender.ours(Registry.builder().requireHttps(false).build());
    }
  }

  @State(Scope.Benchmark)
  public static class BaselinePairs extends Pairs {
    @Override
    Contender contender(LoopbackJwks upstream) {
      return Contender.baseline(url -> upstream.defaultBody(), true);
    }
  }

  @State(Scope.Benchmark)
  public static class NimbusPairs extends Pairs {
    @Override
    Contender contender(LoopbackJwks upstream) {
      return Contender.nimbusDefaults();
    }
  }

  @State(Scope.Benchmark)
  public static class NimbusTolerantPairs extends Pairs {
    @Override
    Contender contender(LoopbackJwks upstream) {
      return Contender.nimbusTolerant();
    }
  }

  @State(Scope.Benchmark)
  public static class Auth0Pairs extends Pairs {
    @Override
    Contender contender(LoopbackJwks upstream) {
      return Contender.auth0Defaults();
    }
  }

  /** 100 counters like ours' per-pair hit counter, for the analysis of the hit's cost. */
  @State(Scope.Benchmark)
  public static class Counters {
    final java.util.concurrent.atomic.LongAdder[] adders =
        new java.util.concurrent.atomic.LongAdder[PAIRS];

    @Setup(Level.Trial)
    public void setUp() {
      for (int i = 0; i < PAIRS; i++) {
        adders[i] = new java.util.concurrent.atomic.LongAdder();
      }
    }
  }

  /** One LongAdder.increment() on one of 100 adders, round-robin: ours' hit counter alone. */
  @Benchmark
  public void counterOnly(Counters s, Cursor c) {
    s.adders[c.nextIndex()].increment();
  }

  /** The clock read the baseline does on every hit. */
  @Benchmark
  public long clockOnly() {
    return System.currentTimeMillis();
  }

  @Benchmark
  public Object oursJwk(OursPairs s, Cursor c) throws Exception {
    return s.lookups[c.nextIndex()].jwk(KID);
  }

  @Benchmark
  public PublicKey oursPublicKey(OursPairs s, Cursor c) throws Exception {
    return s.lookups[c.nextIndex()].publicKey(KID);
  }

  @Benchmark
  public Object baselineJwk(BaselinePairs s, Cursor c) throws Exception {
    return s.lookups[c.nextIndex()].jwk(KID);
  }

  @Benchmark
  public PublicKey baselinePublicKey(BaselinePairs s, Cursor c) throws Exception {
    return s.lookups[c.nextIndex()].publicKey(KID);
  }

  @Benchmark
  public Object nimbusJwk(NimbusPairs s, Cursor c) throws Exception {
    return s.lookups[c.nextIndex()].jwk(KID);
  }

  @Benchmark
  public PublicKey nimbusPublicKey(NimbusPairs s, Cursor c) throws Exception {
    return s.lookups[c.nextIndex()].publicKey(KID);
  }

  @Benchmark
  public Object nimbusTolerantJwk(NimbusTolerantPairs s, Cursor c) throws Exception {
    return s.lookups[c.nextIndex()].jwk(KID);
  }

  @Benchmark
  public Object auth0Jwk(Auth0Pairs s, Cursor c) throws Exception {
    return s.lookups[c.nextIndex()].jwk(KID);
  }

  @Benchmark
  public PublicKey auth0PublicKey(Auth0Pairs s, Cursor c) throws Exception {
    return s.lookups[c.nextIndex()].publicKey(KID);
  }
}
