package dev.jwkscache.server.persist;

import dev.jwkscache.Registry;

/**
 * The server's view of the snapshot store: which store (and sealer) the registry gets, the final
 * write at shutdown, and removal when a pair is unregistered. The registry owns the store and
 * closes it.
 */
public interface SnapshotPersistence {
  /** Gives the registry its store (before {@link Registry.Builder#build()}). */
  void configure(Registry.Builder builder);

  /** Writes every pair's snapshot now (shutdown); returns how many were written. */
  int persistAll(Registry registry);

  /** Drops a pair's snapshot (it was unregistered); failures are logged, not thrown. */
  void delete(String tenantId, String providerId);

  /** One line for the start-up log. */
  String describe();
}
