package dev.jwkscache.internal.cache;

import dev.jwkscache.PersistenceException;
import dev.jwkscache.ProviderRegistration;
import dev.jwkscache.internal.http.CachedHeaders;
import dev.jwkscache.internal.http.HttpDates;
import dev.jwkscache.internal.http.JwksParser;
import dev.jwkscache.internal.http.ParsedJwks;
import dev.jwkscache.metrics.CacheEventListener;
import dev.jwkscache.persist.Snapshot;
import dev.jwkscache.persist.SnapshotSealer;
import dev.jwkscache.persist.SnapshotStore;
import dev.jwkscache.persist.SnapshotValidator;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves payloads between the caches and a {@link SnapshotStore}: sealing and verifying,
 * validating what comes back, and absorbing every store failure (logged, counted, reported to
 * the listener) so that a broken store never fails a resolve.
 */
public final class PersistenceLink {
  private static final Logger log = LoggerFactory.getLogger(PersistenceLink.class);

  private final SnapshotStore store;
  private final SnapshotSealer sealer;
  private final Clock clock;
  private final CacheEventListener listener;
  private final LongAdder failures = new LongAdder();

  public PersistenceLink(SnapshotStore store, SnapshotSealer sealer, Clock clock,
      CacheEventListener listener) {
    this.store = store;
    this.sealer = sealer;
    this.clock = clock;
    this.listener = listener;
  }

  /** Store failures and refused snapshots so far. */
  public long failures() {
    return failures.sum();
  }

  /** Write-through after a refresh; never throws. */
  public void written(ProviderCache cache, Payload payload) {
    ProviderRegistration reg = cache.registration();
    try {
      store.persist(List.of(toSnapshot(reg, payload)));
    } catch (RuntimeException e) {
      failed(cache, "write-through failed", e);
      return;
    }
    try {
      listener.onPersisted(reg.tenantId(), reg.providerId());
    } catch (RuntimeException ignored) {
      // A failing listener never turns a good write into a failure.
    }
  }

  /** Writes every cache's current payload; a store failure is thrown to the caller. */
  public int persistAll(Collection<ProviderCache> caches) {
    List<Snapshot> out = new ArrayList<>();
    for (ProviderCache cache : caches) {
      Payload p = cache.current();
      if (p != null) {
        out.add(toSnapshot(cache.registration(), p));
      }
    }
    try {
      store.persist(out);
    } catch (PersistenceException e) {
      failures.increment();
      listener.onPersistenceFailure(null, null, e.getMessage());
      throw e;
    } catch (RuntimeException e) {
      failures.increment();
      throw new PersistenceException("Persisting " + out.size() + " snapshots failed: " + e, e);
    }
    return out.size();
  }

  /** Restores one pair's snapshot if the store has a valid one; never throws. */
  public boolean restore(ProviderCache cache) {
    ProviderRegistration reg = cache.registration();
    try {
      return store.load(reg.tenantId(), reg.providerId())
          .map(s -> install(cache, s))
          .orElse(false);
    } catch (RuntimeException e) {
      failed(cache, "loading the snapshot failed", e);
      return false;
    }
  }

  /** Restores every cache that has nothing yet, with one bulk read; returns how many. */
  public int restoreAll(Collection<ProviderCache> caches) {
    Map<SnapshotStore.PairId, ProviderCache> wanted = new HashMap<>();
    for (ProviderCache cache : caches) {
      if (cache.current() == null) {
        ProviderRegistration r = cache.registration();
        wanted.put(new SnapshotStore.PairId(r.tenantId(), r.providerId()), cache);
      }
    }
    if (wanted.isEmpty()) {
      return 0;
    }
    List<Snapshot> loaded;
    try {
      loaded = store.loadAll(wanted.keySet());
    } catch (RuntimeException e) {
      failures.increment();
      log.warn("Bulk restore from {} failed; caches start empty: {}", store, e.getMessage());
      listener.onPersistenceFailure(null, null, e.getMessage());
      return 0;
    }
    int restored = 0;
    for (Snapshot s : loaded) {
      ProviderCache cache = wanted.get(new SnapshotStore.PairId(s.tenantId(), s.providerId()));
      if (cache == null) {
        failures.increment();
        log.warn("Store returned a snapshot for {}/{} that was not asked for; ignored",
            s.tenantId(), s.providerId());
        continue;
      }
      if (install(cache, s)) {
        restored++;
      }
    }
    return restored;
  }

  private boolean install(ProviderCache cache, Snapshot snapshot) {
    ProviderRegistration reg = cache.registration();
    try {
      SnapshotValidator.validate(snapshot, reg);
      if (sealer != null) {
        sealer.verify(snapshot);
      }
      ParsedJwks jwks = JwksParser.parse(snapshot.jwksJson(),
          "snapshot of " + reg.tenantId() + "/" + reg.providerId());
      String lastModified = snapshot.lastModified() == null ? null
          : HttpDates.format(snapshot.lastModified());
      CachedHeaders headers = new CachedHeaders(List.of(), null, null, null, lastModified,
          snapshot.etag());
      return cache.restore(new ProviderCache.ParsedRestore(jwks, headers,
          snapshot.persistedAt(), snapshot.expiresAt()));
    } catch (RuntimeException e) {
      // JwksCacheException for a refused snapshot; anything else is a bug, but a snapshot must
      // never fail a restore (restoreFromPersistence promises not to throw for one).
      failed(cache, "snapshot refused", e);
      return false;
    }
  }

  private Snapshot toSnapshot(ProviderRegistration reg, Payload p) {
    String lm = p.headers().lastModified();
    Instant lastModified = lm == null ? null : HttpDates.parse(lm, clock.instant());
    Snapshot s = Snapshot.of(reg.tenantId(), reg.providerId(), p.jwks().json(),
        p.headers().etag(), lastModified, Instant.ofEpochMilli(p.expiresAt()),
        clock.instant());
    // A payload restored or revalidated long ago can expire before "now": keep the snapshot
    // valid (expires_at >= persisted_at) by recording it as persisted at its expiry.
    if (s.expiresAt().isBefore(s.persistedAt())) {
      s = Snapshot.of(s.tenantId(), s.providerId(), s.jwksJson(), s.etag(), s.lastModified(),
          s.expiresAt(), s.expiresAt());
    }
    return sealer == null ? s : sealer.seal(s);
  }

  private void failed(ProviderCache cache, String what, Exception e) {
    ProviderRegistration reg = cache.registration();
    failures.increment();
    cache.stats().persistenceFailed();
    log.warn("Snapshot store {} for {}/{}: {} ({})", store, reg.tenantId(), reg.providerId(),
        what, e.getMessage());
    try {
      listener.onPersistenceFailure(reg.tenantId(), reg.providerId(), what + ": " + e.getMessage());
    } catch (RuntimeException ignored) {
      // A failing listener must not turn a store failure into a resolve failure.
    }
  }

  public void close() {
    try {
      store.close();
    } catch (RuntimeException e) {
      log.warn("Closing snapshot store {} failed: {}", store, e.toString());
    }
  }
}
