package dev.jwkscache.server.persist;

import dev.jwkscache.Registry;

/**
 * The seam between the server and the library's snapshot stores: which store the registry gets,
 * and the final write at shutdown.
 */
public interface SnapshotPersistence extends AutoCloseable {
  /** Gives the registry its store (before {@link Registry.Builder#build()}). */
  void configure(Registry.Builder builder);

  /** Writes every pair's snapshot now (shutdown); returns how many were written. */
  int persistAll(Registry registry);

  /** One line for the start-up log. */
  String describe();

  @Override
  default void close() {
  }
}
