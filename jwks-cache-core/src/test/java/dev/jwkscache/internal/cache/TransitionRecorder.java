package dev.jwkscache.internal.cache;

import dev.jwkscache.ProviderState;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Records every state transition of every pair (through {@link ProviderCache}'s test-only hook)
 * and checks the history against the state machine of DESIGN sections 3 and 4:
 *
 * <ul>
 *   <li><b>chain</b>: per pair, each transition starts from the state the previous one produced
 *       (no lost update, no write outside the monitor), from the initial EMPTY;</li>
 *   <li><b>graph</b>: EMPTY → LOADING → READY ⇄ REFRESHING, LOADING/REFRESHING → EMPTY on a failed
 *       fetch, READY → EMPTY only past the stale window or on a URL change, EMPTY → READY only by
 *       a snapshot restore, nothing after close;</li>
 *   <li><b>conditions</b>: a kept payload is inside its stale window, a dropped one past it (a
 *       fresh payload is never dropped by a failure), the fresh flag turns off only at expiry,
 *       a fetch starts only when none is in flight.</li>
 * </ul>
 *
 * <p>Install it before the registry under test is built, uninstall it in a finally block; only
 * one recorder can be installed at a time (tests run sequentially).
 */
public final class TransitionRecorder implements ProviderCache.TransitionHook, AutoCloseable {
  /** One recorded transition. */
  public record Step(ProviderState from, boolean fromClosed, ProviderState to, boolean toClosed,
      String cause, long nowMillis) {
  }

  private record Raw(ProviderCache cache, CacheState from, CacheState to, long now,
      String cause) {
  }

  private final ConcurrentLinkedQueue<Raw> raw = new ConcurrentLinkedQueue<>();

  private TransitionRecorder() {
  }

  /** Starts recording every pair's transitions. */
  public static TransitionRecorder install() {
    TransitionRecorder r = new TransitionRecorder();
    if (ProviderCache.transitionHook != null) {
      throw new IllegalStateException("another TransitionRecorder is installed");
    }
    ProviderCache.transitionHook = r;
    return r;
  }

  @Override
  public void onTransition(ProviderCache cache, CacheState from, CacheState to, long nowMillis,
      String cause) {
    raw.add(new Raw(cache, from, to, nowMillis, cause));
  }

  /** Stops recording. */
  @Override
  public void close() {
    if (ProviderCache.transitionHook == this) {
      ProviderCache.transitionHook = null;
    }
  }

  public int transitions() {
    return raw.size();
  }

  /** How many transitions had this cause. */
  public long count(String cause) {
    return raw.stream().filter(r -> r.cause.equals(cause)).count();
  }

  /** The public-state history of every pair cache seen, keyed by "tenant/provider#n". */
  public Map<String, List<Step>> histories() {
    Map<ProviderCache, List<Raw>> byCache = groupByCache();
    Map<String, List<Step>> out = new java.util.LinkedHashMap<>();
    Map<String, Integer> seen = new java.util.HashMap<>();
    byCache.forEach((cache, list) -> {
      String pair = cache.registration().tenantId() + "/" + cache.registration().providerId();
      int n = seen.merge(pair, 1, Integer::sum);
      List<Step> steps = new ArrayList<>();
      for (Raw r : list) {
        steps.add(new Step(r.from.kind, r.from.closed, r.to.kind, r.to.closed, r.cause, r.now));
      }
      out.put(pair + "#" + n, steps);
    });
    return out;
  }

  /**
   * The public states (ProviderStatus.state()) the cache of this pair went through, starting at
   * EMPTY: the sequence every sampler of that pair must see a subsequence of. Null when the
   * pair's cache never moved. Fails when the pair had more than one cache (re-registered after
   * an unregister), since samples could not be told apart.
   */
  public List<ProviderState> publicStates(String tenant, String provider) {
    List<ProviderState> states = null;
    for (Map.Entry<ProviderCache, List<Raw>> e : groupByCache().entrySet()) {
      if (e.getKey().registration().tenantId().equals(tenant)
          && e.getKey().registration().providerId().equals(provider)) {
        if (states != null) {
          throw new IllegalStateException(tenant + "/" + provider + " had several caches");
        }
        states = new ArrayList<>();
        states.add(ProviderState.EMPTY);
        for (Raw r : e.getValue()) {
          states.add(r.to.kind);
        }
      }
    }
    return states;
  }

  private Map<ProviderCache, List<Raw>> groupByCache() {
    Map<ProviderCache, List<Raw>> byCache = new IdentityHashMap<>();
    // The hook runs under each cache's monitor, so one cache's transitions enter the queue in
    // the order they happened.
    for (Raw r : raw) {
      byCache.computeIfAbsent(r.cache, k -> new ArrayList<>()).add(r);
    }
    return byCache;
  }

  /** Every rule broken by the recorded history (empty when it is a legal history). */
  public List<String> violations() {
    List<String> out = new ArrayList<>();
    groupByCache().forEach((cache, list) -> {
      String pair = cache.registration().tenantId() + "/" + cache.registration().providerId();
      CacheState expected = CacheState.EMPTY;
      for (int i = 0; i < list.size(); i++) {
        Raw r = list.get(i);
        String where = pair + " step " + i + " (" + describe(r.from) + " -> " + describe(r.to)
            + ", " + r.cause + ")";
        if (r.from != expected) {
          out.add(where + ": starts from " + describe(r.from) + " but the previous step left "
              + describe(expected) + " (lost update or write outside the monitor)");
        }
        String broken = check(r);
        if (broken != null) {
          out.add(where + ": " + broken);
        }
        expected = r.to;
      }
    });
    return out;
  }

  private static String check(Raw r) {
    CacheState from = r.from;
    CacheState to = r.to;
    long now = r.now;
    if (from.closed) {
      return "a closed pair changed state";
    }
    ProviderState f = from.kind;
    ProviderState t = to.kind;
    switch (r.cause) {
      case "fetch-start" -> {
        if (from.flight != null) {
          return "a second fetch started while one was in flight";
        }
        if (f == ProviderState.EMPTY && from.payload == null) {
          return t == ProviderState.LOADING && to.flight != null ? null : "EMPTY must go to LOADING";
        }
        if (f == ProviderState.READY && from.payload != null) {
          return t == ProviderState.REFRESHING && to.payload == from.payload
              && to.fresh == from.fresh && to.flight != null
              ? null : "READY must go to REFRESHING with the same payload";
        }
        return "a fetch started from " + f;
      }
      case "fetch-success" -> {
        if (f != ProviderState.LOADING && f != ProviderState.REFRESHING) {
          return "a fetch completed in state " + f;
        }
        if (t != ProviderState.READY || to.payload == null || to.flight != null) {
          return "a successful fetch must give READY with a payload";
        }
        return to.fresh == (now < to.payload.expiresAt) ? null : "fresh flag wrong after success";
      }
      case "fetch-failure-kept" -> {
        if (f != ProviderState.REFRESHING || from.payload == null) {
          return "a payload was kept after a failure from " + f;
        }
        if (now >= from.payload.staleUntil) {
          return "a payload past its stale window was kept after a failure";
        }
        if (t != ProviderState.READY || to.payload.jwks != from.payload.jwks
            || to.payload.errorCount != from.payload.errorCount + 1) {
          return "a kept payload must stay READY with the same keys and one more error";
        }
        return to.fresh == (now < to.payload.expiresAt) ? null : "fresh flag wrong after failure";
      }
      case "fetch-failure-dropped" -> {
        if (f != ProviderState.LOADING && f != ProviderState.REFRESHING) {
          return "a failure was handled in state " + f;
        }
        if (from.payload != null && now < from.payload.staleUntil) {
          return "a payload inside its stale window (until " + from.payload.staleUntil
              + ", now " + now + ") was dropped after a failure";
        }
        return t == ProviderState.EMPTY && to.payload == null ? null : "must go to EMPTY";
      }
      case "expired" -> {
        if (!from.fresh || from.payload == null || now < from.payload.expiresAt) {
          return "the fresh flag went off before expiry";
        }
        return t == f && !to.fresh && to.payload == from.payload ? null
            : "expiry must only turn the fresh flag off";
      }
      case "stale-window-over" -> {
        if (f != ProviderState.READY || from.payload == null || from.fresh
            || from.payload.errorCount == 0 || now < from.payload.staleUntil) {
          return "a payload was dropped before the end of its stale window";
        }
        return t == ProviderState.EMPTY ? null : "must go to EMPTY";
      }
      case "url-change" -> {
        return t == ProviderState.EMPTY && to.payload == null ? null : "must go to EMPTY";
      }
      case "closed" -> {
        return to.closed ? null : "close must give the closed state";
      }
      case "restore" -> {
        if (f != ProviderState.EMPTY || from.payload != null || from.flight != null) {
          return "a snapshot was restored over " + f;
        }
        return t == ProviderState.READY ? null : "a restore must give READY";
      }
      default -> {
        return "unknown cause " + r.cause;
      }
    }
  }

  private static String describe(CacheState s) {
    if (s.closed) {
      return "CLOSED";
    }
    return s.kind + (s.payload != null ? (s.fresh ? "/fresh" : "/stale") : "")
        + (s.payload != null && s.payload.errorCount > 0 ? "/err" + s.payload.errorCount : "");
  }

  /**
   * True when {@code samples} (one thread's successive observations of a pair's public state)
   * is a subsequence of {@code history}: what a single reader of the volatile state can see.
   */
  public static boolean isSubsequence(List<ProviderState> samples, List<ProviderState> history) {
    int h = 0;
    for (ProviderState s : samples) {
      while (h < history.size() && history.get(h) != s) {
        h++;
      }
      if (h == history.size()) {
        return false;
      }
    }
    return true;
  }
}
