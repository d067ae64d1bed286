package dev.jwkscache.persist;

import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * Where snapshots live between restarts. Implementations must be thread-safe. Every failure is
 * reported as a {@link dev.jwkscache.PersistenceException}; the registry logs and counts it and
 * never fails a resolve because of it.
 *
 * <p>A store returns snapshots as stored, checking only their form and that each belongs to the
 * pair it was asked for. Before restoring one, the registry checks the seal ({@link
 * SnapshotSealer#verify}, when a key is configured) and the registration's rules ({@link
 * SnapshotValidator}). Implementations: {@link FileSnapshotStore} here, {@code
 * dev.jwkscache.redis.RedisSnapshotStore} in module jwks-cache-redis.
 */
public interface SnapshotStore extends AutoCloseable {
  /** The stored snapshot of a pair, if any. A corrupt entry is a PersistenceException. */
  Optional<Snapshot> load(String tenantId, String providerId);

  /**
   * Every readable snapshot of these pairs (bulk restore). Entries that are corrupt are skipped
   * with a warning naming the key, not thrown.
   */
  List<Snapshot> loadAll(Collection<PairId> pairs);

  /** Writes (replaces) these snapshots. */
  void persist(Collection<Snapshot> snapshots);

  /** Removes a pair's snapshot; absent is fine. */
  void delete(String tenantId, String providerId);

  @Override
  default void close() {
  }

  /** A tenant/provider pair. */
  record PairId(String tenantId, String providerId) {
  }
}
