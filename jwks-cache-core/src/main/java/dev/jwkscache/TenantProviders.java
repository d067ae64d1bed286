package dev.jwkscache;

import dev.jwkscache.internal.cache.ProviderCache;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The providers of one tenant. A tenant has a handful of providers, and scanning a small array
 * beats a second hash lookup on every resolve (and weighs far less than a map per tenant); past
 * {@link #SCAN_LIMIT} providers a map takes over. Mutations happen under the registry's lock for
 * this tenant; reads take no lock.
 */
final class TenantProviders {
  static final int SCAN_LIMIT = 8;
  private static final ProviderCache[] NONE = new ProviderCache[0];

  private volatile ProviderCache[] array = NONE;
  private volatile ConcurrentHashMap<String, ProviderCache> map;

  ProviderCache get(String providerId) {
    ConcurrentHashMap<String, ProviderCache> m = map;
    if (m != null) {
      return m.get(providerId);
    }
    for (ProviderCache c : array) {
      if (providerId.equals(c.providerId())) {
        return c;
      }
    }
    return null;
  }

  /** Adds a provider not present yet. Caller holds the tenant's lock. */
  void add(ProviderCache cache) {
    ConcurrentHashMap<String, ProviderCache> m = map;
    if (m != null) {
      m.put(cache.providerId(), cache);
      return;
    }
    ProviderCache[] a = array;
    if (a.length < SCAN_LIMIT) {
      ProviderCache[] next = Arrays.copyOf(a, a.length + 1);
      next[a.length] = cache;
      array = next;
      return;
    }
    ConcurrentHashMap<String, ProviderCache> grown = new ConcurrentHashMap<>();
    for (ProviderCache c : a) {
      grown.put(c.providerId(), c);
    }
    grown.put(cache.providerId(), cache);
    map = grown;
    array = NONE;
  }

  /** Removes and returns a provider, or null. Caller holds the tenant's lock. */
  ProviderCache remove(String providerId) {
    ConcurrentHashMap<String, ProviderCache> m = map;
    if (m != null) {
      return m.remove(providerId);
    }
    ProviderCache[] a = array;
    for (int i = 0; i < a.length; i++) {
      if (providerId.equals(a[i].providerId())) {
        ProviderCache[] next = new ProviderCache[a.length - 1];
        System.arraycopy(a, 0, next, 0, i);
        System.arraycopy(a, i + 1, next, i, a.length - i - 1);
        array = next;
        return a[i];
      }
    }
    return null;
  }

  boolean isEmpty() {
    ConcurrentHashMap<String, ProviderCache> m = map;
    return m != null ? m.isEmpty() : array.length == 0;
  }

  List<ProviderCache> all() {
    ConcurrentHashMap<String, ProviderCache> m = map;
    return m != null ? new ArrayList<>(m.values()) : List.of(array);
  }
}
