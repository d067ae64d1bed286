package dev.jwkscache.internal.cache;

import com.nimbusds.jose.jwk.JWKSet;
import dev.jwkscache.FetchFailureException;
import dev.jwkscache.JwksCacheException;
import dev.jwkscache.KeyNotFoundException;
import dev.jwkscache.NotRegisteredException;
import dev.jwkscache.ProviderRegistration;
import dev.jwkscache.ProviderState;
import dev.jwkscache.ProviderStatus;
import dev.jwkscache.Scheduler;
import dev.jwkscache.StatusMetric;
import dev.jwkscache.UpstreamStatusException;
import dev.jwkscache.internal.http.CachedHeaders;
import dev.jwkscache.internal.http.FetchResult;
import dev.jwkscache.internal.http.KeyEntry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The cache of one tenant/provider pair: the state machine of DESIGN sections 3 and 4.
 *
 * <p>Reads go through one volatile {@link CacheState}; a hit reads it, scans the key array and
 * bumps a striped counter, nothing else. Every transition happens under this object's monitor,
 * and futures are completed after the monitor is released so that no caller code runs under it.
 * Upstream work runs on the shared fetch executor, timers on the shared scheduler: there is no
 * thread per pair.
 */
public final class ProviderCache {
  private static final Logger log = LoggerFactory.getLogger(ProviderCache.class);

  private final EngineContext ctx;
  private final ProviderStats stats;
  private final String providerId;
  private volatile CacheState state = CacheState.EMPTY;
  private volatile ProviderRegistration registration;
  /** Start of the last upstream fetch (clock millis); the unknown-kid cooldown runs from it. */
  private volatile long lastFetchStart = Long.MIN_VALUE / 2;
  /** Bumped when the source changes or the pair is closed; stale flights are then discarded. */
  private long generation;
  private Scheduler.Cancellable timer;
  private boolean privateMaterialLogged;

  /**
   * Test-only observer of every state change (see the reliability tests); null in production.
   * Read only when the state changes, never on the resolve path.
   */
  static volatile TransitionHook transitionHook;

  /** Sees every transition of every pair, in order, under the pair's monitor. Must be quick. */
  interface TransitionHook {
    void onTransition(ProviderCache cache, CacheState from, CacheState to, long nowMillis,
        String cause);
  }

  public ProviderCache(ProviderRegistration registration, EngineContext ctx) {
    this.registration = registration;
    this.ctx = ctx;
    this.stats = new ProviderStats(registration.tenantId(), registration.providerId());
    this.providerId = registration.providerId();
  }

  /** The provider id (fixed for the life of this cache). */
  public String providerId() {
    return providerId;
  }

  public ProviderRegistration registration() {
    return registration;
  }

  public ProviderStats stats() {
    return stats;
  }

  // ---------------------------------------------------------------- hot path

  /** The key for {@code kid} when the set is fresh and holds it; else null (take the slow path). */
  public KeyEntry hitKey(String kid) {
    CacheState s = state;
    if (s.fresh) {
      KeyEntry e = s.payload.find(kid);
      if (e != null) {
        stats.hit();
        return e;
      }
    }
    return null;
  }

  /** The set when it is fresh; else null (take the slow path). */
  public JWKSet hitSet() {
    Payload p = hitPayload();
    return p == null ? null : p.set();
  }

  /** The payload when it is fresh (counted as a hit); else null (take the slow path). */
  public Payload hitPayload() {
    CacheState s = state;
    if (s.fresh) {
      stats.hit();
      return s.payload;
    }
    return null;
  }

  // ---------------------------------------------------------------- slow paths

  /** Blocking resolve of the set, bounded by the retry deadline. */
  public Payload resolve() {
    return await(resolveAsync(true), this::staleIfServable);
  }

  /** Blocking resolve of one key, with the unknown-kid rule (DESIGN 4.4). */
  public KeyEntry resolveKey(String kid) {
    KeyEntry hit = hitKey(kid);
    if (hit != null) {
      return hit;
    }
    CacheState s = state;
    if (s.fresh && s.flight == null) {
      // An unknown kid inside the cooldown (a flood of junk kids, typically) is answered here,
      // without the monitor or a future: it must fail fast and cheaply.
      ProviderRegistration reg = registration;
      if (ctx.clock().millis() - lastFetchStart < reg.unknownKidCooldown().toMillis()) {
        stats.miss();
        throw inCooldown(reg, kid);
      }
    }
    KeyEntry staleKey = staleWithoutWaiting(s, kid);
    if (staleKey != null) {
      return staleKey;
    }
    return await(resolveKeyAsync(kid), () -> {
      Payload stale = staleIfServable();
      return stale == null ? null : stale.find(kid);
    });
  }

  /**
   * During an outage the common answer is "the stale set, at once": a refresh failed and is
   * backing off, or one runs after a failure. That answer is given here synchronously, with no
   * future and no monitor (the same cases {@link #resolveAsync} serves stale without waiting, bar
   * the one that must start a fetch). Null when the slow path must decide.
   */
  private KeyEntry staleWithoutWaiting(CacheState s, String kid) {
    Payload p = s.payload;
    if (p == null || s.fresh) {
      return null;
    }
    long now = ctx.clock().millis();
    if (now >= p.staleUntil || now < p.expiresAt) {
      return null;
    }
    boolean servable = s.flight == null ? now < p.backoffUntil : p.errorCount > 0;
    if (!servable) {
      return null;
    }
    KeyEntry e = p.find(kid);
    if (e != null) {
      stats.hit();
      stats.staleServe();
    }
    return e;
  }

  /** The cached payload while it may still be served stale, else null. */
  private Payload staleIfServable() {
    Payload stale = state.payload;
    if (stale != null && ctx.clock().millis() < stale.staleUntil) {
      stats.staleServe();
      return stale;
    }
    return null;
  }

  public CompletableFuture<KeyEntry> resolveKeyAsync(String kid) {
    CacheState s = state;
    if (s.fresh) {
      KeyEntry e = s.payload.find(kid);
      if (e != null) {
        stats.hit();
        return CompletableFuture.completedFuture(e);
      }
      stats.miss();
      return unknownKid(kid);
    }
    return resolveAsync(true).thenCompose(p -> {
      KeyEntry e = p.find(kid);
      return e != null ? CompletableFuture.completedFuture(e) : unknownKid(kid);
    });
  }

  /**
   * The set, possibly after waiting for upstream. Counts the request once when {@code count}.
   */
  public CompletableFuture<Payload> resolveAsync(boolean count) {
    for (;;) {
      CacheState s = state;
      if (s.closed) {
        return CompletableFuture.failedFuture(notRegistered());
      }
      long now = ctx.clock().millis();
      Payload p = s.payload;
      if (p != null) {
        if (s.fresh || now < p.expiresAt) {
          if (count) {
            stats.hit();
          }
          return CompletableFuture.completedFuture(p);
        }
        boolean inStaleWindow = now < p.staleUntil;
        if (inStaleWindow && s.flight == null && now < p.backoffUntil) {
          // A refresh failed moments ago: serve the stale set without touching upstream.
          if (count) {
            stats.hit();
          }
          stats.staleServe();
          return CompletableFuture.completedFuture(p);
        }
        if (inStaleWindow && (p.errorCount > 0 || (s.flight != null
            && System.nanoTime() - s.flightStartNanos
                >= registration.retryPolicy().deadline().toNanos()))) {
          // The last refresh failed, or the one in flight has already kept callers waiting a
          // whole retry deadline (a hanging upstream, or queued behind other pairs' fetches):
          // the upstream is known to be in trouble, so serve the stale set at once and let the
          // next attempt run in the background, rather than make every caller wait a deadline.
          if (s.flight == null && joinOrStart(s) == null) {
            continue;
          }
          if (count) {
            stats.hit();
          }
          stats.staleServe();
          return CompletableFuture.completedFuture(p);
        }
        CompletableFuture<Payload> flight = joinOrStart(s);
        if (flight == null) {
          continue;
        }
        if (count) {
          stats.miss();
        }
        if (!inStaleWindow) {
          return flight;
        }
        return flight.handle((fresh, error) -> {
          if (fresh != null) {
            return fresh;
          }
          return staleOrThrow(p, error);
        });
      }
      if (s.negativeError != null && now < s.negativeUntil) {
        if (count) {
          stats.miss();
        }
        return CompletableFuture.failedFuture(s.negativeError);
      }
      CompletableFuture<Payload> flight = joinOrStart(s);
      if (flight == null) {
        continue;
      }
      if (count) {
        stats.miss();
      }
      return flight;
    }
  }

  /** After a failed refresh: the stale payload while its window lasts, else the failure. */
  private Payload staleOrThrow(Payload stale, Throwable error) {
    Throwable cause = unwrap(error);
    if (cause instanceof NotRegisteredException e) {
      throw e;
    }
    if (ctx.clock().millis() < stale.staleUntil) {
      stats.staleServe();
      return stale;
    }
    throw cause instanceof JwksCacheException j ? j : new CompletionException(cause);
  }

  private CompletableFuture<KeyEntry> unknownKid(String kid) {
    CompletableFuture<Payload> flight;
    ProviderRegistration reg;
    synchronized (this) {
      reg = registration;
      if (state.closed) {
        return CompletableFuture.failedFuture(notRegistered());
      }
      long now = ctx.clock().millis();
      long cooldown = reg.unknownKidCooldown().toMillis();
      flight = state.flight;
      if (flight == null) {
        if (now - lastFetchStart < cooldown) {
          return CompletableFuture.failedFuture(inCooldown(reg, kid));
        }
        flight = startLocked(state, now);
      }
    }
    return flight.handle((p, error) -> {
      if (p != null) {
        KeyEntry e = p.find(kid);
        if (e != null) {
          return e;
        }
        throw new KeyNotFoundException(reg.tenantId(), reg.providerId(), kid,
            "not in the set even after a refresh", null);
      }
      Throwable cause = unwrap(error);
      if (cause instanceof NotRegisteredException e) {
        throw e;
      }
      throw new KeyNotFoundException(reg.tenantId(), reg.providerId(), kid,
          "the refresh made to look for it failed: " + cause.getMessage(), cause);
    });
  }

  private static KeyNotFoundException inCooldown(ProviderRegistration reg, String kid) {
    return KeyNotFoundException.withoutStackTrace(reg.tenantId(), reg.providerId(), kid,
        "not in the cached set, which was fetched less than " + reg.unknownKidCooldown()
            + " (unknown_kid_cooldown) ago");
  }

  /** Starts a refresh now (or joins the one in flight); the cache keeps serving meanwhile. */
  public CompletableFuture<Payload> refresh() {
    synchronized (this) {
      if (state.closed) {
        return CompletableFuture.failedFuture(notRegistered());
      }
      CompletableFuture<Payload> flight = state.flight;
      if (flight == null) {
        flight = startLocked(state, ctx.clock().millis());
      }
      return flight.thenApply(p -> p);
    }
  }

  /** Waits for a resolve, at most the retry deadline; a stale set is served if one is servable. */
  private <T> T await(CompletableFuture<T> future, java.util.function.Supplier<T> onTimeout) {
    Duration deadline = registration.retryPolicy().deadline();
    try {
      return future.get(deadline.toNanos(), TimeUnit.NANOSECONDS);
    } catch (ExecutionException | CompletionException e) {
      Throwable cause = unwrap(e);
      if (cause instanceof JwksCacheException j) {
        throw j;
      }
      throw new FetchFailureException(FetchFailureException.Kind.CONNECTION, url(),
          "Unexpected failure while resolving keys from " + url() + ": " + cause, cause);
    } catch (TimeoutException e) {
      T fallback = onTimeout.get();
      if (fallback != null) {
        return fallback;
      }
      throw new FetchFailureException(FetchFailureException.Kind.TIMEOUT, url(),
          "Gave up waiting for " + url() + " after the retry deadline (" + deadline
              + "); raise retry_policy.deadline or check the endpoint", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new FetchFailureException(FetchFailureException.Kind.INTERRUPTED, url(),
          "Interrupted while waiting for keys from " + url(), e);
    } catch (CancellationException e) {
      throw new FetchFailureException(FetchFailureException.Kind.INTERRUPTED, url(),
          "The fetch from " + url() + " was cancelled", e);
    }
  }

  // ---------------------------------------------------------------- transitions

  /**
   * Every state change goes through here, under this object's monitor; {@code now} is the clock
   * reading the change was decided on (0 where time plays no part).
   */
  private void transition(CacheState next, String cause, long now) {
    CacheState previous = state;
    state = next;
    TransitionHook hook = transitionHook;
    if (hook != null) {
      hook.onTransition(this, previous, next, now, cause);
    }
  }

  /** The flight of state {@code expected}, started if needed; null when the state moved on. */
  private synchronized CompletableFuture<Payload> joinOrStart(CacheState expected) {
    if (state != expected) {
      return null;
    }
    if (expected.flight != null) {
      return expected.flight;
    }
    return startLocked(expected, ctx.clock().millis());
  }

  private CompletableFuture<Payload> startLocked(CacheState s, long now) {
    CompletableFuture<Payload> flight = new CompletableFuture<>();
    Payload base = s.payload;
    transition(base == null ? CacheState.loading(flight)
        : CacheState.refreshing(base, s.fresh, flight, System.nanoTime()), "fetch-start", now);
    lastFetchStart = now;
    long gen = generation;
    ProviderRegistration reg = registration;
    cancelTimer();
    try {
      ctx.fetchExecutor().execute(() -> runFetch(flight, gen, reg, base));
    } catch (RejectedExecutionException e) {
      transition(CacheState.CLOSED, "closed", now);
      flight.completeExceptionally(new dev.jwkscache.RegistryClosedException());
    }
    return flight;
  }

  private void runFetch(CompletableFuture<Payload> flight, long gen, ProviderRegistration reg,
      Payload base) {
    MDC.put("tenant", reg.tenantId());
    MDC.put("provider", reg.providerId());
    long t0 = System.nanoTime();
    try {
      FetchResult result = null;
      JwksCacheException error = null;
      try {
        CachedHeaders previous = base == null ? null : base.headers;
        result = ctx.upstream().fetch(reg, previous);
      } catch (JwksCacheException e) {
        error = e;
      } catch (RuntimeException | LinkageError e) {
        error = new FetchFailureException(FetchFailureException.Kind.CONNECTION,
            reg.jwksUrl().toString(), "Unexpected failure fetching " + reg.jwksUrl() + ": " + e, e);
      }
      long nanos = System.nanoTime() - t0;
      if (result != null) {
        onSuccess(flight, gen, reg, base, result, nanos);
      } else {
        onFailure(flight, gen, reg, error, nanos);
      }
    } finally {
      MDC.remove("tenant");
      MDC.remove("provider");
    }
  }

  private void onSuccess(CompletableFuture<Payload> flight, long gen, ProviderRegistration reg,
      Payload base, FetchResult result, long nanos) {
    Payload stored;
    boolean current;
    synchronized (this) {
      long now = ctx.clock().millis();
      stored = toPayload(reg, base, result, now);
      current = gen == generation && !state.closed;
      if (current) {
        transition(CacheState.ready(stored, now < stored.expiresAt), "fetch-success", now);
        stats.refreshed(true, nanos);
        scheduleTimerLocked();
        if (result instanceof FetchResult.Fetched f && f.jwks().privateMaterialDropped()
            && !privateMaterialLogged) {
          privateMaterialLogged = true;
          log.warn("JWKS from {} carried private key material or symmetric keys; only public "
              + "keys are kept. Tell the provider: its endpoint leaks secrets", reg.jwksUrl());
        }
      }
    }
    if (!current) {
      flight.completeExceptionally(state.closed ? notRegistered() : staleGeneration(reg));
      return;
    }
    notifyRefresh(reg, true, nanos);
    flight.complete(stored);
    try {
      ctx.onStored().stored(this, stored);
    } catch (RuntimeException e) {
      log.warn("Persisting the refreshed set of {}/{} failed: {}", reg.tenantId(),
          reg.providerId(), e.toString());
    }
  }

  private Payload toPayload(ProviderRegistration reg, Payload base, FetchResult result,
      long now) {
    long receivedAt = result.receivedAt().toEpochMilli();
    long ttl = result.ttl().toMillis();
    long expiresAt = receivedAt + ttl;
    long next = nextRefreshAt(reg, now, expiresAt, ttl);
    long staleUntil = expiresAt + reg.staleWhileError().toMillis();
    if (result instanceof FetchResult.Fetched f) {
      return new Payload(f.jwks(), f.headers(), receivedAt, expiresAt, next, staleUntil, 0, 0,
          null);
    }
    // 304: the very same keys (same objects) under the new freshness.
    return new Payload(base.jwks, result.headers(), receivedAt, expiresAt, next, staleUntil, 0, 0,
        null);
  }

  /**
   * DESIGN 3: expires_at - refresh_early, moved earlier by a random jitter. We differ where that
   * would refresh right away: never sooner than half the TTL, so a short TTL (min_ttl equal to
   * refresh_early, say) cannot turn into a refresh loop.
   */
  private long nextRefreshAt(ProviderRegistration reg, long now, long expiresAt, long ttl) {
    long early = reg.refreshEarly().toMillis();
    long next = expiresAt - early;
    long jitter = reg.prefetchJitter().toMillis();
    if (jitter > 0) {
      next -= ctx.random().nextLong(jitter + 1);
    }
    return Math.max(next, now + Math.max(ttl / 2, 1));
  }

  private void onFailure(CompletableFuture<Payload> flight, long gen, ProviderRegistration reg,
      JwksCacheException error, long nanos) {
    boolean current;
    synchronized (this) {
      current = gen == generation && !state.closed;
      if (current) {
        stats.refreshed(false, nanos);
        CacheState s = state;
        Payload p = s.payload;
        long now = ctx.clock().millis();
        if (p != null && now < p.staleUntil) {
          long backoff = reg.retryPolicy().backoff(Math.min(p.errorCount, 32), ctx.random())
              .toMillis();
          if (error instanceof UpstreamStatusException u && u.retryAfter().isPresent()) {
            backoff = Math.max(backoff, u.retryAfter().get().toMillis());
          }
          transition(CacheState.ready(p.failed(now + backoff, error), now < p.expiresAt),
              "fetch-failure-kept", now);
          log.warn("Refresh of {} failed (attempt {} in a row); serving the cached set until {}: {}",
              reg.jwksUrl(), p.errorCount + 1, Instant.ofEpochMilli(p.staleUntil),
              error.getMessage());
        } else {
          long negative = reg.negativeCacheTtl().toMillis();
          transition(negative > 0 ? CacheState.emptyRemembering(error, now + negative)
              : CacheState.EMPTY, "fetch-failure-dropped", now);
          log.warn("Fetching {} failed and no servable set is cached: {}", reg.jwksUrl(),
              error.getMessage());
        }
        scheduleTimerLocked();
      }
    }
    if (current) {
      notifyRefresh(reg, false, nanos);
    }
    flight.completeExceptionally(current || !state.closed ? error : notRegistered());
  }

  private void notifyRefresh(ProviderRegistration reg, boolean success, long nanos) {
    try {
      ctx.listener().onRefresh(reg.tenantId(), reg.providerId(), success, Duration.ofNanos(nanos));
    } catch (RuntimeException e) {
      log.debug("Cache event listener failed", e);
    }
  }

  // ---------------------------------------------------------------- timers

  private void cancelTimer() {
    if (timer != null) {
      timer.cancel();
      timer = null;
    }
  }

  /** Arms the one timer of this pair for its next event: expiry, end of stale window, refresh. */
  private void scheduleTimerLocked() {
    cancelTimer();
    CacheState s = state;
    Payload p = s.payload;
    if (s.closed || p == null) {
      return;
    }
    long event = Long.MAX_VALUE;
    if (s.fresh) {
      event = p.expiresAt;
    } else if (p.errorCount > 0) {
      event = p.staleUntil;
    }
    if (s.flight == null) {
      event = Math.min(event, refreshDue(p));
    }
    if (event == Long.MAX_VALUE) {
      return;
    }
    long delay = Math.max(0, event - ctx.clock().millis());
    timer = ctx.scheduler().schedule(this::onTimer, Duration.ofMillis(delay));
  }

  private static long refreshDue(Payload p) {
    return p.errorCount == 0 ? p.nextRefreshAt : Math.max(p.nextRefreshAt, p.backoffUntil);
  }

  private synchronized void onTimer() {
    timer = null;
    CacheState s = state;
    Payload p = s.payload;
    if (s.closed || p == null) {
      return;
    }
    long now = ctx.clock().millis();
    if (s.fresh && now >= p.expiresAt) {
      s = s.expired();
      transition(s, "expired", now);
    }
    if (!s.fresh && s.flight == null && p.errorCount > 0 && now >= p.staleUntil) {
      log.warn("The cached set of {} is past its stale window after failed refreshes; dropped",
          registration.jwksUrl());
      transition(CacheState.EMPTY, "stale-window-over", now);
      return;
    }
    if (s.flight == null && now >= refreshDue(p)) {
      startLocked(s, now);
    }
    scheduleTimerLocked();
  }

  // ---------------------------------------------------------------- lifecycle

  /**
   * Applies new settings. The same URL keeps the cached set; another URL drops it, and a fetch in
   * flight for the old URL is not stored.
   */
  public synchronized void reconfigure(ProviderRegistration next) {
    ProviderRegistration previous = registration;
    registration = next;
    if (!previous.jwksUrl().equals(next.jwksUrl())) {
      generation++;
      cancelTimer();
      transition(CacheState.EMPTY, "url-change", 0);
    }
  }

  /** Removes the pair: waiters get {@link NotRegisteredException}, results are discarded. */
  public void close() {
    CompletableFuture<Payload> flight;
    synchronized (this) {
      generation++;
      cancelTimer();
      flight = state.flight;
      transition(CacheState.CLOSED, "closed", 0);
    }
    if (flight != null) {
      flight.completeExceptionally(notRegistered());
    }
  }

  /**
   * Installs a payload restored from a snapshot when nothing newer is cached. An expired one is
   * installed stale and refreshed on first use, never at once, so a fleet restart does not
   * stampede upstream.
   *
   * <p>A snapshot cannot buy more freshness than a fetch could: an expiry further ahead than
   * max_ttl from now (a corrupt or planted snapshot saying "year 3099") is cut to now + max_ttl,
   * and a fetch time in the future to now.
   */
  public synchronized boolean restore(ParsedRestore restored) {
    if (state.closed || state.payload != null || state.flight != null) {
      return false;
    }
    ProviderRegistration reg = registration;
    long now = ctx.clock().millis();
    // A snapshot never buys more freshness than a fetch could: at most max_ttl from when it was
    // written (and a write "in the future" counts as now), so a planted far-future expiry is cut.
    long persisted = Math.min(restored.fetchedAt().toEpochMilli(), now);
    long expiresAt = Math.min(restored.expiresAt().toEpochMilli(),
        persisted + reg.maxTtl().toMillis());
    long ttl = Math.max(0, expiresAt - now);
    long next = expiresAt > now ? nextRefreshAt(reg, now, expiresAt, ttl) : Long.MAX_VALUE;
    Payload p = new Payload(restored.jwks(), restored.headers(), persisted, expiresAt, next,
        expiresAt + reg.staleWhileError().toMillis(), 0, 0, null);
    transition(CacheState.ready(p, now < expiresAt), "restore", now);
    scheduleTimerLocked();
    return true;
  }

  /** A payload rebuilt from a snapshot. */
  public record ParsedRestore(dev.jwkscache.internal.http.ParsedJwks jwks, CachedHeaders headers,
      Instant fetchedAt, Instant expiresAt) {
  }

  /** The payload currently held (fresh or stale), or null. */
  public Payload current() {
    return state.payload;
  }

  // ---------------------------------------------------------------- status

  public ProviderStatus status() {
    CacheState s = state;
    ProviderRegistration reg = registration;
    Payload p = s.payload;
    String tenant = reg.tenantId();
    String provider = reg.providerId();
    // One read of each counter, stale serves first: every stale serve was counted as a hit or a
    // miss before, so the figures of one status agree (hit_rate and stale ratio stay <= 1) even
    // while other threads count.
    long staleServes = stats.staleServes();
    long hits = stats.hits();
    long misses = stats.misses();
    long requests = hits + misses;
    double hitRate = requests == 0 ? 0 : (double) hits / requests;
    double staleRatio = requests == 0 ? 0 : (double) staleServes / requests;
    List<StatusMetric> metrics = new java.util.ArrayList<>(List.of(
        metric("jwks_cache_requests_total", requests, tenant, provider),
        metric("jwks_cache_hits_total", hits, tenant, provider),
        metric("jwks_cache_misses_total", misses, tenant, provider),
        metric("jwks_cache_stale_total", staleServes, tenant, provider),
        metric("jwks_cache_refresh_success_total", stats.refreshSuccesses(), tenant, provider),
        metric("jwks_cache_refresh_errors_total", stats.refreshErrors(), tenant, provider),
        metric("jwks_cache_persistence_failures_total", stats.persistenceFailures(), tenant,
            provider)));
    Duration last = stats.lastRefreshDuration();
    if (last != null) {
      metrics.add(metric("jwks_cache_last_refresh_micros", last.toNanos() / 1000.0, tenant,
          provider));
    }
    Instant lastRefresh = p == null ? null : Instant.ofEpochMilli(p.fetchedAt);
    Instant expires = p == null ? null : Instant.ofEpochMilli(p.expiresAt);
    Instant next = null;
    if (p != null) {
      long due = refreshDue(p);
      next = due == Long.MAX_VALUE ? null : Instant.ofEpochMilli(due);
    }
    Throwable lastError = p != null ? p.lastError : s.negativeError;
    return new ProviderStatus(tenant, provider, s.kind, lastRefresh, next, expires,
        p == null ? 0 : p.errorCount, hitRate, staleRatio,
        lastError == null ? null : lastError.getMessage(), metrics);
  }

  private static StatusMetric metric(String name, double value, String tenant, String provider) {
    return new StatusMetric(name, value, Map.of("tenant", tenant, "provider", provider));
  }

  ProviderState kind() {
    return state.kind;
  }

  // ---------------------------------------------------------------- helpers

  private String url() {
    return registration.jwksUrl().toString();
  }

  private NotRegisteredException notRegistered() {
    return new NotRegisteredException(registration.tenantId(), registration.providerId());
  }

  private static JwksCacheException staleGeneration(ProviderRegistration reg) {
    return new FetchFailureException(FetchFailureException.Kind.CONNECTION,
        reg.jwksUrl().toString(), "The registration of " + reg.tenantId() + "/"
            + reg.providerId() + " changed its URL while this fetch ran; resolve again", null);
  }

  private static Throwable unwrap(Throwable t) {
    Throwable c = t;
    while ((c instanceof CompletionException || c instanceof ExecutionException)
        && c.getCause() != null) {
      c = c.getCause();
    }
    return c;
  }
}
