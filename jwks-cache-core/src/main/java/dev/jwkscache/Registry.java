package dev.jwkscache;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.JWSKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import dev.jwkscache.internal.cache.DaemonThreads;
import dev.jwkscache.internal.cache.DefaultScheduler;
import dev.jwkscache.internal.cache.EngineContext;
import dev.jwkscache.internal.cache.Payload;
import dev.jwkscache.internal.cache.PersistenceLink;
import dev.jwkscache.internal.cache.ProviderCache;
import dev.jwkscache.internal.http.JwksFetcher;
import dev.jwkscache.internal.http.KeyEntry;
import dev.jwkscache.internal.nimbus.CachedJwkSource;
import dev.jwkscache.internal.nimbus.PreconvertedKeySelector;
import dev.jwkscache.internal.security.AddressPolicy;
import dev.jwkscache.internal.security.HostNames;
import dev.jwkscache.internal.security.SecureClients;
import dev.jwkscache.metrics.CacheEventListener;
import dev.jwkscache.persist.SnapshotSealer;
import dev.jwkscache.persist.SnapshotStore;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;
import javax.net.ssl.X509TrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The multi-tenant JWKS cache: register tenant/provider pairs, then resolve their key sets and
 * keys. Thread-safe. A resolve that hits takes no lock, performs no I/O and reads no clock.
 *
 * <pre>{@code
 * try (Registry registry = Registry.builder().addAllowedDomain("example-idp.com").build()) {
 *   registry.register(ProviderRegistration.builder("tenant-a", "auth0",
 *       "https://tenant-a.example-idp.com/.well-known/jwks.json").build());
 *   JWK key = registry.resolveKey("tenant-a", "auth0", kid);
 * }
 * }</pre>
 *
 * <p>Every method throws only {@link JwksCacheException} subtypes.
 */
public final class Registry implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Registry.class);

  /**
   * tenant -> its providers; a hash lookup then a scan of a few entries, so a resolve allocates no
   * composite key.
   */
  private final ConcurrentHashMap<String, TenantProviders> tenants =
      new ConcurrentHashMap<>();
  private final Builder config;
  private final EngineContext ctx;
  private final JwksFetcher fetcher;
  private final ThreadPoolExecutor fetchExecutor;
  private final Scheduler scheduler;
  private final PersistenceLink persistence;
  private volatile boolean closed;

  private Registry(Builder b) {
    this.config = b.copy();
    this.scheduler = b.scheduler != null ? b.scheduler : new DefaultScheduler();
    this.fetchExecutor = new ThreadPoolExecutor(b.fetchThreads, b.fetchThreads, 30,
        TimeUnit.SECONDS, new LinkedBlockingQueue<>(), DaemonThreads.named("jwks-cache-fetch"));
    this.fetchExecutor.allowCoreThreadTimeOut(true);
    RandomGenerator random = synchronizedRandom(
        b.random != null ? b.random : RandomGenerator.of("L64X128MixRandom"));
    this.fetcher = new JwksFetcher(new SecureClients(b.trustManager, b.refusePrivateAddresses),
        b.clock, random);
    this.persistence = b.store == null ? null
        : new PersistenceLink(b.store, b.sealer, b.clock, b.listener);
    EngineContext.StoredPayloadHook onStored = persistence != null && b.writeThrough
        ? persistence::written : (cache, payload) -> { };
    this.ctx = new EngineContext(b.clock, scheduler, fetchExecutor, fetcher::fetch,
        random, b.listener, onStored);
  }

  private static RandomGenerator synchronizedRandom(RandomGenerator random) {
    // The generators are not thread-safe and fetch threads draw backoffs concurrently; draws are
    // rare (one per refresh or retry), so a monitor costs nothing that matters.
    return new RandomGenerator() {
      @Override
      public synchronized long nextLong() {
        return random.nextLong();
      }
    };
  }

  public static Builder builder() {
    return new Builder();
  }

  // ---------------------------------------------------------------- registration

  /**
   * Registers a pair, or replaces the settings of a registered one (its cached set is kept when
   * the URL is unchanged). Registry defaults fill the fields the registration did not set.
   *
   * @throws ValidationException when a rule is broken (named field)
   * @throws SecurityViolationException when the URL breaks a registry-wide security rule
   */
  public void register(ProviderRegistration registration) {
    ensureOpen();
    if (registration == null) {
      throw new ValidationException("registration", "Must not be null.");
    }
    if (config.requireHttps && registration.requireHttpsSet() && !registration.requireHttps()) {
      throw new SecurityViolationException("Registration " + registration.tenantId() + "/"
          + registration.providerId() + " opts out of https, but this registry requires https "
          + "for every provider; use an https jwks_url");
    }
    String host = registration.jwksUrl().getHost();
    if (!HostNames.isAllowed(host, config.allowedDomains)) {
      throw new SecurityViolationException("Host '" + host + "' of " + registration.jwksUrl()
          + " is outside the registry allowlist " + config.allowedDomains);
    }
    String refusal = AddressPolicy.checkLiteral(host, config.refusePrivateAddresses);
    if (refusal != null) {
      throw new SecurityViolationException("Refusing " + registration.jwksUrl() + ": " + refusal);
    }
    ProviderRegistration effective = registration.withDefaults(config.requireHttps,
        config.allowedDomains, config.defaultRefreshEarly, config.defaultStaleWhileError);
    ProviderCache[] created = new ProviderCache[1];
    tenants.compute(effective.tenantId(), (t, providers) -> {
      TenantProviders tenant = providers != null ? providers : new TenantProviders();
      ProviderCache existing = tenant.get(effective.providerId());
      if (existing != null) {
        existing.reconfigure(effective);
      } else {
        created[0] = new ProviderCache(effective, ctx);
        tenant.add(created[0]);
      }
      return tenant;
    });
    if (created[0] != null) {
      notifyListener(l -> l.onRegistered(created[0].stats()));
      if (persistence != null && config.restoreOnRegister) {
        persistence.restore(created[0]);
      }
    }
  }

  /** Removes a pair and its background work; returns false when it was not registered. */
  public boolean unregister(String tenantId, String providerId) {
    ensureOpen();
    ProviderCache[] removed = new ProviderCache[1];
    tenants.computeIfPresent(nonNull(tenantId, "tenant_id"), (t, providers) -> {
      removed[0] = providers.remove(nonNull(providerId, "provider_id"));
      return providers.isEmpty() ? null : providers;
    });
    if (removed[0] == null) {
      return false;
    }
    removed[0].close();
    notifyListener(l -> l.onUnregistered(tenantId, providerId));
    return true;
  }

  /** The registration in effect for a pair (registry defaults applied). */
  public ProviderRegistration registration(String tenantId, String providerId) {
    return cache(tenantId, providerId).registration();
  }

  // ---------------------------------------------------------------- resolve

  /** The pair's key set, waiting for upstream when nothing servable is cached. */
  public JWKSet resolve(String tenantId, String providerId) {
    ProviderCache cache = cache(tenantId, providerId);
    JWKSet hit = cache.hitSet();
    return hit != null ? hit : cache.resolve().set();
  }

  /** {@link #resolve} without blocking the caller. */
  public CompletableFuture<JWKSet> resolveAsync(String tenantId, String providerId) {
    try {
      ProviderCache cache = cache(tenantId, providerId);
      JWKSet hit = cache.hitSet();
      if (hit != null) {
        return CompletableFuture.completedFuture(hit);
      }
      return cache.resolveAsync(true).thenApply(Payload::set);
    } catch (JwksCacheException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /**
   * The key with this kid. A kid missing from the cached set triggers one refresh (shared by
   * concurrent callers), unless the set was fetched less than {@code unknown_kid_cooldown} ago.
   *
   * @throws KeyNotFoundException when no such key exists
   */
  public JWK resolveKey(String tenantId, String providerId, String kid) {
    return resolveKeyEntry(tenantId, providerId, kid).jwk();
  }

  /** {@link #resolveKey} without blocking the caller. */
  public CompletableFuture<JWK> resolveKeyAsync(String tenantId, String providerId, String kid) {
    try {
      ProviderCache cache = cache(tenantId, providerId);
      return cache.resolveKeyAsync(nonNull(kid, "kid")).thenApply(KeyEntry::jwk);
    } catch (JwksCacheException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /**
   * The ready-to-use public key for this kid, converted once when the set was stored. Null when
   * the JDK cannot represent the key type (an X25519 key, for example).
   */
  public PublicKey resolvePublicKey(String tenantId, String providerId, String kid) {
    return resolveKeyEntry(tenantId, providerId, kid).publicKey();
  }

  /** Internal to the Nimbus adapters: the cached entry for a kid. */
  public KeyEntry resolveKeyEntry(String tenantId, String providerId, String kid) {
    ProviderCache cache = cache(tenantId, providerId);
    if (kid == null) {
      throw new ValidationException("kid", "Must not be null.");
    }
    KeyEntry hit = cache.hitKey(kid);
    return hit != null ? hit : cache.resolveKey(kid);
  }

  /** Internal to the Nimbus adapters: every cached entry of the pair's set. */
  public List<KeyEntry> resolveKeyEntries(String tenantId, String providerId) {
    ProviderCache cache = cache(tenantId, providerId);
    Payload hit = cache.hitPayload();
    return (hit != null ? hit : cache.resolve()).jwks().keys();
  }

  /**
   * Starts a refresh now, or joins the one in flight, and completes with its outcome. The cache
   * keeps serving meanwhile. The unknown-kid cooldown does not apply.
   */
  public CompletableFuture<JWKSet> refresh(String tenantId, String providerId) {
    try {
      return cache(tenantId, providerId).refresh().thenApply(Payload::set);
    } catch (JwksCacheException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /**
   * A Nimbus key source backed by this cache, for {@code DefaultJWTProcessor} or Spring
   * Security's {@code NimbusJwtDecoder.withJwkSource}.
   */
  public JWKSource<SecurityContext> jwkSource(String tenantId, String providerId) {
    cache(tenantId, providerId);
    return new CachedJwkSource(this, tenantId, providerId);
  }

  /**
   * A Nimbus key selector that hands out the public keys converted once per refresh, matching
   * kid, key type and algorithm and skipping encryption keys; faster than {@link #jwkSource}.
   */
  public JWSKeySelector<SecurityContext> keySelector(String tenantId, String providerId) {
    cache(tenantId, providerId);
    return new PreconvertedKeySelector(this, tenantId, providerId);
  }

  // ---------------------------------------------------------------- status

  public ProviderStatus providerStatus(String tenantId, String providerId) {
    return cache(tenantId, providerId).status();
  }

  /** The status of every registered pair. */
  public List<ProviderStatus> allStatuses() {
    ensureOpen();
    List<ProviderStatus> out = new ArrayList<>();
    for (TenantProviders providers : tenants.values()) {
      for (ProviderCache cache : providers.all()) {
        out.add(cache.status());
      }
    }
    return out;
  }

  /** Every registered pair's cache, for the persistence and server layers. */
  Collection<ProviderCache> caches() {
    List<ProviderCache> out = new ArrayList<>();
    tenants.values().forEach(t -> out.addAll(t.all()));
    return out;
  }

  // ---------------------------------------------------------------- persistence

  /**
   * Writes a snapshot of every cached set to the store.
   *
   * @return how many snapshots were written
   * @throws PersistenceException when no store is configured or the store fails
   */
  public int persistAll() {
    ensureOpen();
    return requireStore().persistAll(caches());
  }

  /**
   * Restores, with one bulk read, every registered pair that has nothing cached. Unexpired
   * snapshots are served at once with their original expiry; expired ones are served stale and
   * refreshed on first use. Refused snapshots are logged and counted, never thrown.
   *
   * @return how many pairs were restored
   */
  public int restoreFromPersistence() {
    ensureOpen();
    return requireStore().restoreAll(caches());
  }

  /** Store failures and refused snapshots since start (0 without a store). */
  public long persistenceFailures() {
    return persistence == null ? 0 : persistence.failures();
  }

  private PersistenceLink requireStore() {
    if (persistence == null) {
      throw new PersistenceException("No snapshot store is configured; pass one to "
          + "Registry.builder().snapshotStore(...)");
    }
    return persistence;
  }

  // ---------------------------------------------------------------- lifecycle

  /**
   * Stops every timer and fetch thread; callers waiting get {@link NotRegisteredException}, and
   * later calls {@link RegistryClosedException}.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (ProviderCache cache : caches()) {
      cache.close();
    }
    tenants.clear();
    scheduler.shutdown();
    fetchExecutor.shutdown();
    // Upstream calls in flight are cancelled now: their results would be discarded anyway, and
    // a hanging server must not keep a fetch thread alive until its attempt timeout. Let
    // write-throughs that are under way finish (a file write takes milliseconds); a retry still
    // waiting out its backoff is interrupted after the grace period.
    fetcher.close();
    try {
      if (!fetchExecutor.awaitTermination(2, TimeUnit.SECONDS)) {
        fetchExecutor.shutdownNow();
        fetchExecutor.awaitTermination(3, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      fetchExecutor.shutdownNow();
      Thread.currentThread().interrupt();
    }
    if (persistence != null) {
      persistence.close();
    }
  }

  public boolean isClosed() {
    return closed;
  }

  private ProviderCache cache(String tenantId, String providerId) {
    if (closed) {
      throw new RegistryClosedException();
    }
    if (tenantId == null || providerId == null) {
      throw new ValidationException(tenantId == null ? "tenant_id" : "provider_id",
          "Must not be null.");
    }
    TenantProviders providers = tenants.get(tenantId);
    ProviderCache cache = providers == null ? null : providers.get(providerId);
    if (cache == null) {
      throw new NotRegisteredException(tenantId, providerId);
    }
    return cache;
  }

  private void ensureOpen() {
    if (closed) {
      throw new RegistryClosedException();
    }
  }

  private static String nonNull(String value, String field) {
    if (value == null) {
      throw new ValidationException(field, "Must not be null.");
    }
    return value;
  }

  private void notifyListener(java.util.function.Consumer<CacheEventListener> call) {
    try {
      call.accept(config.listener);
    } catch (RuntimeException e) {
      log.warn("Cache event listener failed: {}", e.toString());
    }
  }

  /** Registry-wide settings. Every option has a safe default. */
  public static final class Builder {
    private boolean requireHttps = true;
    private Duration defaultRefreshEarly = ProviderRegistration.DEFAULT_REFRESH_EARLY;
    private Duration defaultStaleWhileError = ProviderRegistration.DEFAULT_STALE_WHILE_ERROR;
    private List<String> allowedDomains = new ArrayList<>();
    private boolean refusePrivateAddresses;
    private X509TrustManager trustManager;
    private Clock clock = Clock.systemUTC();
    private Scheduler scheduler;
    private int fetchThreads = 8;
    private RandomGenerator random;
    private CacheEventListener listener = new CacheEventListener() { };
    private SnapshotStore store;
    private SnapshotSealer sealer;
    private boolean writeThrough = true;
    private boolean restoreOnRegister = true;

    private Builder() {
    }

    private Builder copy() {
      Builder b = new Builder();
      b.requireHttps = requireHttps;
      b.defaultRefreshEarly = defaultRefreshEarly;
      b.defaultStaleWhileError = defaultStaleWhileError;
      b.allowedDomains = List.copyOf(allowedDomains);
      b.refusePrivateAddresses = refusePrivateAddresses;
      b.trustManager = trustManager;
      b.clock = clock;
      b.scheduler = scheduler;
      b.fetchThreads = fetchThreads;
      b.random = random;
      b.listener = listener;
      b.store = store;
      b.sealer = sealer;
      b.writeThrough = writeThrough;
      b.restoreOnRegister = restoreOnRegister;
      return b;
    }

    /** Require https for every registration (default true); opting out is then refused. */
    public Builder requireHttps(boolean value) {
      this.requireHttps = value;
      return this;
    }

    /** refresh_early for registrations that do not set it (default 30 s). */
    public Builder defaultRefreshEarly(Duration value) {
      this.defaultRefreshEarly = required(value, "refresh_early");
      return this;
    }

    /** stale_while_error for registrations that do not set it (default 60 s). */
    public Builder defaultStaleWhileError(Duration value) {
      this.defaultStaleWhileError = required(value, "stale_while_error");
      return this;
    }

    /**
     * Adds a domain to the registry allowlist: every registration's URL must be inside it, and
     * registrations without their own allowlist inherit it for redirects.
     */
    public Builder addAllowedDomain(String domain) {
      String canonical = HostNames.canonicalize(domain);
      if (canonical == null) {
        throw new ValidationException("allowed_domains",
            "Entries must be non-empty host names; got '" + domain + "'.");
      }
      if (!allowedDomains.contains(canonical)) {
        allowedDomains.add(canonical);
      }
      return this;
    }

    /** Replaces the registry allowlist. */
    public Builder allowedDomains(Collection<String> domains) {
      required(domains, "allowed_domains");
      allowedDomains.clear();
      domains.forEach(this::addAllowedDomain);
      return this;
    }

    /**
     * Also refuse loopback, private and unspecified addresses (link-local and cloud metadata
     * addresses are always refused). Turn on when tenants supply their own URLs.
     */
    public Builder refusePrivateAddresses(boolean value) {
      this.refusePrivateAddresses = value;
      return this;
    }

    /** Trust anchors for upstream TLS (a private CA, say); default: the JVM's. */
    public Builder trustManager(X509TrustManager value) {
      this.trustManager = value;
      return this;
    }

    /** The time source for freshness decisions (default UTC system clock). */
    public Builder clock(Clock value) {
      this.clock = required(value, "clock");
      return this;
    }

    /** The timer service (default: one shared daemon thread). */
    public Builder scheduler(Scheduler value) {
      this.scheduler = required(value, "scheduler");
      return this;
    }

    /** Upstream fetches that may run at once across all pairs (default 8). */
    public Builder fetchThreads(int value) {
      if (value < 1) {
        throw new ValidationException("fetch_threads", "Must be at least 1.");
      }
      this.fetchThreads = value;
      return this;
    }

    /** Source of jitter; inject a seeded one for reproducible tests. */
    public Builder random(RandomGenerator value) {
      this.random = required(value, "random");
      return this;
    }

    /** Receives registration, refresh and persistence events (metrics, audit). */
    public Builder listener(CacheEventListener value) {
      this.listener = required(value, "listener");
      return this;
    }

    /**
     * Where snapshots are kept between restarts (the registry closes it on {@link
     * Registry#close()}): {@link dev.jwkscache.persist.FileSnapshotStore} for one instance, the
     * Redis store of module jwks-cache-redis for a fleet.
     */
    public Builder snapshotStore(SnapshotStore value) {
      this.store = required(value, "store");
      return this;
    }

    /**
     * Seals every snapshot written with an HMAC and refuses, on restore, any snapshot without a
     * valid seal: whoever can write to the store cannot plant keys.
     */
    public Builder snapshotSealer(SnapshotSealer value) {
      this.sealer = required(value, "sealer");
      return this;
    }

    /** Write a snapshot after every successful refresh (default true). */
    public Builder writeThrough(boolean value) {
      this.writeThrough = value;
      return this;
    }

    /** Restore a pair's snapshot when it is registered (default true). */
    public Builder restoreOnRegister(boolean value) {
      this.restoreOnRegister = value;
      return this;
    }

    public Registry build() {
      return new Registry(this);
    }

    private static <T> T required(T value, String field) {
      if (value == null) {
        throw new ValidationException(field, "Must not be null.");
      }
      return value;
    }
  }
}
