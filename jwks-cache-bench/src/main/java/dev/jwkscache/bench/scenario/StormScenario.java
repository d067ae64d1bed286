package dev.jwkscache.bench.scenario;

import static dev.jwkscache.bench.harness.Results.obj;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.RSAKey;
import dev.jwkscache.ProviderRegistration;
import dev.jwkscache.Registry;
import dev.jwkscache.bench.Contender;
import dev.jwkscache.bench.KeyLookup;
import dev.jwkscache.bench.LoopbackJwks;
import dev.jwkscache.bench.harness.Latencies;
import dev.jwkscache.bench.harness.Results;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * Scenario 4, unknown-kid storm: {@code threads} threads look up {@code kids} random unknown kids
 * in total, paced evenly over {@code storm-seconds} (so that the storm spans several of our short
 * cooldowns), while one more thread looks up the valid kid back to back. Then a new key is added
 * upstream and a poller asks for it every 50 ms until it resolves. Pollers of earlier contenders
 * keep running (lightly) while later contenders storm, so the slow ones go first.
 *
 * <p>Ours runs twice: with unknown_kid_cooldown 1 s (short, to measure) and with the default
 * 30 s. Peers run with their defaults (Nimbus: 30 s minimum interval between fetches; Auth0: a
 * bucket of 10 fetches per minute).
 */
final class StormScenario {
  private StormScenario() {
  }

  static Map<String, Object> run(String[] args) throws Exception {
    int kids = Integer.parseInt(Results.arg(args, "kids", "20000"));
    int threads = Integer.parseInt(Results.arg(args, "threads", "4"));
    double stormSeconds = Double.parseDouble(Results.arg(args, "storm-seconds", "5"));
    int shortCooldown = Integer.parseInt(Results.arg(args, "short-cooldown-seconds", "1"));
    int pollTimeout = Integer.parseInt(Results.arg(args, "poll-timeout-seconds", "90"));
    Map<String, Object> out = obj();
    out.put("kids", kids);
    out.put("threads", threads);
    out.put("storm_seconds", stormSeconds);
    out.put("short_cooldown_seconds", shortCooldown);
    out.put("default_cooldown_seconds",
        ProviderRegistration.DEFAULT_UNKNOWN_KID_COOLDOWN.toSeconds());
    Map<String, Object> results = obj();
    out.put("results", results);

    try (LoopbackJwks up = LoopbackJwks.http()) {
      List<Contender> contenders = List.of(
          Contender.auth0Defaults(),
          Contender.nimbusDefaults(),
          Contender.nimbusTolerant(),
          Contender.ours("ours-cooldown-default", Registry.builder().requireHttps(false).build(),
              b -> b),
          Contender.ours("ours-cooldown-" + shortCooldown + "s",
              Registry.builder().requireHttps(false).build(),
              b -> b.unknownKidCooldown(Duration.ofSeconds(shortCooldown))));
      List<Thread> pollers = new ArrayList<>();
      Map<String, Object> resolvedAfter = new ConcurrentHashMap<>();
      for (Contender c : contenders) {
        String pair = "storm-" + c.name();
        String path = "/" + pair + "/jwks";
        LoopbackJwks.PathState st = up.path(path);
        KeyLookup lookup = c.create(pair, up.url(path));
        if (lookup.publicKey("key-2") == null) {
          throw new IllegalStateException(c + " did not load");
        }
        RSAKey newKey = LoopbackJwks.generateKey("key-new-" + c.name());
        String[][] storm = randomKids(kids, threads, c.name().hashCode());
        Map<String, Object> m = obj();

        // quiet reference: the valid kid alone for one second
        Latencies quiet = new Latencies();
        long quietEnd = System.nanoTime() + 1_000_000_000L;
        while (System.nanoTime() < quietEnd) {
          timed(quiet, () -> lookup.publicKey("key-2"));
        }
        m.put("valid_kid_quiet", quiet.summary());

        long before = st.requests();
        AtomicBoolean stormOn = new AtomicBoolean(true);
        Latencies valid = new Latencies();
        Thread validThread = new Thread(() -> {
          while (stormOn.get()) {
            timed(valid, () -> lookup.publicKey("key-2"));
          }
        }, "valid-kid");
        List<Latencies> stormLat = new ArrayList<>();
        List<Thread> stormThreads = new ArrayList<>();
        long start = System.nanoTime();
        long span = (long) (stormSeconds * 1e9);
        for (int t = 0; t < threads; t++) {
          Latencies l = new Latencies();
          stormLat.add(l);
          String[] mine = storm[t];
          stormThreads.add(new Thread(() -> {
            for (int i = 0; i < mine.length; i++) {
              long due = start + span * i / mine.length;
              long wait = due - System.nanoTime();
              if (wait > 20_000) {
                LockSupport.parkNanos(wait);
              }
              String kid = mine[i];
              long t0 = System.nanoTime();
              boolean found;
              try {
                found = lookup.publicKey(kid) != null;
              } catch (Exception e) {
                found = false;
              }
              l.record(System.nanoTime() - t0);
              if (found) {
                l.fail(); // an unknown kid that resolved would be a bug
              }
            }
          }, "storm-" + t));
        }
        validThread.start();
        stormThreads.forEach(Thread::start);
        for (Thread t : stormThreads) {
          t.join();
        }
        long stormNanos = System.nanoTime() - start;
        stormOn.set(false);
        validThread.join();
        long stormRequests = st.requests() - before;

        // the new key appears upstream right after the storm
        List<JWK> keys = new ArrayList<>(LoopbackJwks.publicKeys(up.keys()));
        keys.add(newKey.toPublicJWK());
        st.keys(keys);
        long added = System.nanoTime();
        String name = c.name();
        Thread poller = new Thread(() -> {
          long deadline = added + pollTimeout * 1_000_000_000L;
          while (System.nanoTime() < deadline) {
            try {
              if (lookup.publicKey(newKey.getKeyID()) != null) {
                resolvedAfter.put(name, (System.nanoTime() - added) / 1e6);
                return;
              }
            } catch (Exception e) {
              // not yet
            }
            LockSupport.parkNanos(50_000_000L);
          }
          resolvedAfter.put(name, "not within " + pollTimeout + " s");
        }, "poller-" + name);
        poller.setDaemon(true);
        poller.start();
        pollers.add(poller);

        Latencies all = new Latencies();
        stormLat.forEach(all::add);
        m.put("storm", all.summary());
        m.put("storm_wall_ms", stormNanos / 1e6);
        m.put("upstream_requests_during_storm", stormRequests);
        m.put("valid_kid_during_storm", valid.summary());
        results.put(c.name(), m);
        System.out.printf("storm %s: storm %s; valid %s; %d upstream requests in %.1f s%n",
            c.name(), all.summary(), valid.summary(), stormRequests, stormNanos / 1e9);
      }
      for (Thread p : pollers) {
        p.join();
      }
      for (Contender c : contenders) {
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) results.get(c.name());
        m.put("new_key_resolvable_after_ms", resolvedAfter.get(c.name()));
        System.out.printf("storm %s: new key resolvable after %s ms%n", c.name(),
            resolvedAfter.get(c.name()));
        c.close();
      }
    }
    return out;
  }

  private interface Call {
    Object call() throws Exception;
  }

  private static void timed(Latencies l, Call call) {
    long t0 = System.nanoTime();
    boolean ok;
    try {
      ok = call.call() != null;
    } catch (Exception e) {
      ok = false;
    }
    l.record(System.nanoTime() - t0);
    if (!ok) {
      l.fail();
    }
  }

  private static String[][] randomKids(int total, int threads, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    String[][] out = new String[threads][];
    for (int t = 0; t < threads; t++) {
      out[t] = new String[total / threads];
      for (int i = 0; i < out[t].length; i++) {
        out[t][i] = Long.toHexString(r.nextLong() | Long.MIN_VALUE);
      }
    }
    return out;
  }
}
