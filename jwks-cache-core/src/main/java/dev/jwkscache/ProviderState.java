package dev.jwkscache;

/** Where a pair's cache stands. */
public enum ProviderState {
  /** No key set cached (never loaded, or dropped past its stale window). */
  EMPTY,
  /** The first fetch is running. */
  LOADING,
  /** A key set is cached and served. */
  READY,
  /** A key set is served while a refresh runs. */
  REFRESHING
}
