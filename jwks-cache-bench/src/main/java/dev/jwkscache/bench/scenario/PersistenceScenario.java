package dev.jwkscache.bench.scenario;

import static dev.jwkscache.bench.harness.Results.obj;

import dev.jwkscache.ProviderRegistration;
import dev.jwkscache.ProviderState;
import dev.jwkscache.ProviderStatus;
import dev.jwkscache.Registry;
import dev.jwkscache.bench.LoopbackJwks;
import dev.jwkscache.bench.harness.RedisServer;
import dev.jwkscache.bench.harness.Results;
import dev.jwkscache.persist.FileSnapshotStore;
import dev.jwkscache.persist.Snapshot;
import dev.jwkscache.persist.SnapshotStore;
import dev.jwkscache.redis.RedisSnapshotStore;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Issue 5's persistence benchmark: {@code pairs} pairs loaded from loopback are persisted with
 * {@code registry.persistAll()} to the file store (fsync on, then off) and to Redis; then, per
 * round, a new registry registers the same pairs and restores them from each store
 * ({@code restoreFromPersistence()}, one bulk read; and {@code restoreOnRegister}, one read per
 * register), until every pair is Ready. The upstream request count over the whole warm start,
 * including one resolve of every pair after it, must be 0: the snapshots are unexpired.
 */
final class PersistenceScenario {
  private PersistenceScenario() {
  }

  /** Lets one loaded registry persist to several stores in turn; never closes them. */
  private static final class SwitchableStore implements SnapshotStore {
    volatile SnapshotStore target;

    @Override
    public Optional<Snapshot> load(String tenantId, String providerId) {
      return target.load(tenantId, providerId);
    }

    @Override
    public List<Snapshot> loadAll(Collection<PairId> pairs) {
      return target.loadAll(pairs);
    }

    @Override
    public void persist(Collection<Snapshot> snapshots) {
      target.persist(snapshots);
    }

    @Override
    public void delete(String tenantId, String providerId) {
      target.delete(tenantId, providerId);
    }
  }

  static Map<String, Object> run(String[] args) throws Exception {
    int pairs = Integer.parseInt(Results.arg(args, "pairs", "10000"));
    int rounds = Integer.parseInt(Results.arg(args, "rounds", "3"));
    Path work = Path.of(Results.arg(args, "work-dir", "target/bench-work"), "persistence");
    deleteTree(work);
    Files.createDirectories(work);
    Map<String, Object> out = obj();
    out.put("pairs", pairs);
    out.put("rounds", rounds);
    out.put("work_dir", work.toAbsolutePath().toString());

    try (LoopbackJwks up = LoopbackJwks.http();
        RedisServer redis = new RedisServer(work.resolve("redis.log").toFile())) {
      out.put("redis_timeout_ms", RedisSnapshotStore.DEFAULT_TIMEOUT.toMillis());
      SwitchableStore sw = new SwitchableStore();
      Registry source = Registry.builder().requireHttps(false).snapshotStore(sw)
          .writeThrough(false).restoreOnRegister(false).build();
      long t0 = System.nanoTime();
      registerAll(source, up, pairs);
      List<CompletableFuture<?>> loads = new ArrayList<>();
      for (int i = 0; i < pairs; i++) {
        loads.add(source.resolveAsync("w" + i, "idp"));
        if (loads.size() >= 256) {
          loads.forEach(CompletableFuture::join);
          loads.clear();
        }
      }
      loads.forEach(CompletableFuture::join);
      out.put("initial_load_ms", (System.nanoTime() - t0) / 1e6);
      out.put("initial_upstream_requests", up.requests());

      Path fsyncDir = work.resolve("files-fsync");
      Path noFsyncDir = work.resolve("files-nofsync");
      Map<String, Supplier<SnapshotStore>> stores = new java.util.LinkedHashMap<>();
      stores.put("file_fsync_on", () -> FileSnapshotStore.builder(fsyncDir).build());
      stores.put("file_fsync_off", () -> FileSnapshotStore.builder(noFsyncDir).fsync(false).build());
      stores.put("redis", () -> RedisSnapshotStore.builder(redis.uri()).build());

      Map<String, Object> persist = obj();
      for (var e : stores.entrySet()) {
        SnapshotStore store = e.getValue().get();
        if (store instanceof RedisSnapshotStore r) {
          waitConnected(r);
        }
        sw.target = store;
        List<Double> ms = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
          long p0 = System.nanoTime();
          int written = source.persistAll();
          ms.add((System.nanoTime() - p0) / 1e6);
          if (written != pairs) {
            throw new IllegalStateException(e.getKey() + ": persisted " + written);
          }
        }
        store.close();
        persist.put(e.getKey(), Results.spread(ms));
        System.out.printf("persist %s: %s ms%n", e.getKey(), ms);
      }
      out.put("persist_all_ms", persist);
      source.close();

      Map<String, Object> restore = obj();
      for (String name : List.of("file_fsync_on", "redis")) {
        for (boolean bulk : List.of(true, false)) {
          List<Double> register = new ArrayList<>();
          List<Double> restoreMs = new ArrayList<>();
          List<Double> total = new ArrayList<>();
          List<Long> requests = new ArrayList<>();
          List<Integer> ready = new ArrayList<>();
          for (int r = 0; r < rounds; r++) {
            long req0 = up.requests();
            long s0 = System.nanoTime();
            SnapshotStore store = stores.get(name).get();
            if (store instanceof RedisSnapshotStore rs) {
              waitConnected(rs);
            }
            Registry reg = Registry.builder().requireHttps(false).snapshotStore(store)
                .restoreOnRegister(!bulk).build();
            long s1 = System.nanoTime();
            registerAll(reg, up, pairs);
            long s2 = System.nanoTime();
            if (bulk) {
              reg.restoreFromPersistence();
            }
            long s3 = System.nanoTime();
            int readyNow = 0;
            for (ProviderStatus st : reg.allStatuses()) {
              if (st.state() == ProviderState.READY) {
                readyNow++;
              }
            }
            for (int i = 0; i < pairs; i++) {
              reg.resolveKey("w" + i, "idp", "key-2");
            }
            requests.add(up.requests() - req0);
            register.add((s2 - s1) / 1e6);
            restoreMs.add((s3 - s2) / 1e6);
            total.add((s3 - s0) / 1e6);
            ready.add(readyNow);
            reg.close();
          }
          Map<String, Object> m = obj();
          m.put("register_ms", Results.spread(register));
          m.put("restore_ms", Results.spread(restoreMs));
          m.put("start_to_all_ready_ms", Results.spread(total));
          m.put("ready", Results.spread(ready));
          m.put("upstream_requests", Results.spread(requests));
          String key = name + (bulk ? "_bulk_restore" : "_restore_on_register");
          restore.put(key, m);
          System.out.printf("restore %s: total %s ms, ready %s, upstream %s%n", key, total, ready,
              requests);
        }
      }
      out.put("warm_start", restore);
      out.put("file_count", countFiles(fsyncDir));
    } finally {
      deleteTree(work);
    }
    return out;
  }

  private static void registerAll(Registry reg, LoopbackJwks up, int pairs) {
    for (int i = 0; i < pairs; i++) {
      String t = "w" + i;
      reg.register(ProviderRegistration.builder(t, "idp", up.url("/" + t + "/jwks")).build());
    }
  }

  private static void waitConnected(RedisSnapshotStore store) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!store.isConnected() && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
  }

  private static long countFiles(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return 0;
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.count();
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
    }
  }
}
