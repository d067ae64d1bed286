package dev.jwkscache.redis;

import dev.jwkscache.PersistenceException;
import dev.jwkscache.ValidationException;
import dev.jwkscache.persist.Snapshot;
import dev.jwkscache.persist.SnapshotCodec;
import dev.jwkscache.persist.SnapshotStore;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.KeyValue;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SetArgs;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import io.lettuce.core.resource.DefaultClientResources;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link SnapshotStore} in Redis, for a fleet of instances that share warm snapshots. Built on
 * Lettuce's asynchronous API.
 *
 * <ul>
 *   <li><b>Keys</b> are {@code <namespace>:<tenant>:<provider>} (namespace {@code jwks-cache} by
 *       default); values are the JSON of {@link SnapshotCodec}.
 *   <li><b>Expiry</b>: each key lives as long as its snapshot stays fresh, that is until {@code
 *       expires_at} (plus an optional grace, see {@link Builder#expiryGrace}), and at least one
 *       second. Snapshots are written with {@code SET key value PX ms}.
 *   <li><b>Bulk</b>: {@link #persist} sends every {@code SET} before awaiting any reply, and {@link
 *       #loadAll} reads with {@code MGET}s of up to 500 keys, all sent at once (pipelining).
 *   <li><b>Time bound</b>: every call, connecting included, returns or fails within the configured
 *       timeout (1 s by default), so a hung or unreachable Redis never holds a caller longer than
 *       that. Commands are refused at once while the connection is down, rather than queued.
 *   <li><b>Failures</b>: every failure is a {@link PersistenceException}. Building the store starts
 *       connecting in the background without waiting: a Redis that is down at start only makes
 *       the calls fail until it is back (each call tries again to connect). Once connected, a
 *       dropped connection is re-established in the background (retries from 100 ms backing off
 *       to 2 s).
 * </ul>
 *
 * <p>Redis is a trust boundary: anyone who can write these keys can plant snapshots. Use a sealing
 * key ({@link dev.jwkscache.persist.SnapshotSealer}) with this store. Standalone Redis only (a
 * cluster would refuse the multi-key {@code MGET}). Thread-safe; close it to release the connection
 * and its threads.
 */
public final class RedisSnapshotStore implements SnapshotStore {
  private static final Logger LOG = LoggerFactory.getLogger(RedisSnapshotStore.class);

  public static final String DEFAULT_NAMESPACE = "jwks-cache";
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(1);
  static final long MIN_EXPIRY_MILLIS = 1_000;
  static final int MGET_BATCH = 500;
  private static final int MAX_NAMESPACE_LENGTH = 100;
  private static final RedisCodec<String, byte[]> CODEC =
      RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE);

  private final RedisURI uri;
  private final String where;
  private final String namespace;
  private final Duration timeout;
  private final Duration expiryGrace;
  private final ClientResources resources;
  private final RedisClient client;

  private final Object lock = new Object();
  private volatile StatefulRedisConnection<String, byte[]> connection;
  private CompletableFuture<StatefulRedisConnection<String, byte[]>> connecting; // under lock
  private long connectingSince; // under lock, System.nanoTime()
  private volatile boolean closed;

  private RedisSnapshotStore(Builder b) {
    this.namespace = b.namespace;
    this.timeout = b.timeout;
    this.expiryGrace = b.expiryGrace;
    this.uri = RedisURI.builder(b.uri).withTimeout(b.timeout).build();
    this.where = describe(uri);
    this.resources = DefaultClientResources.builder()
        .ioThreadPoolSize(2)
        .computationThreadPoolSize(2)
        .reconnectDelay(Delay.exponential(Duration.ofMillis(100), Duration.ofSeconds(2), 2,
            TimeUnit.MILLISECONDS))
        .build();
    this.client = RedisClient.create(resources);
    client.setOptions(ClientOptions.builder()
        .autoReconnect(true)
        .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
        .socketOptions(SocketOptions.builder().connectTimeout(b.timeout).keepAlive(true).build())
        .timeoutOptions(TimeoutOptions.enabled(b.timeout))
        .build());
  }

  /**
   * A builder for a store on this Redis.
   *
   * @param uri for example {@code redis://localhost:6379/0} or {@code
   *     rediss://user:secret@redis.internal:6380}
   * @throws ValidationException (field {@code redis_uri}) when the text is not a Redis URI
   */
  public static Builder builder(String uri) {
    if (uri == null || uri.isBlank()) {
      throw new ValidationException("redis_uri", "A Redis URI is required, for example"
          + " redis://localhost:6379.");
    }
    RedisURI parsed;
    try {
      parsed = RedisURI.create(uri.strip());
    } catch (RuntimeException e) {
      // The text may hold a password, so it is not repeated here.
      throw new ValidationException("redis_uri", "Not a usable Redis URI (expected"
          + " redis://[[user]:password@]host[:port][/database] or rediss://...): "
          + e.getClass().getSimpleName());
    }
    return new Builder(parsed);
  }

  /** A builder for a store on this Redis (the URI is copied, not changed). */
  public static Builder builder(RedisURI uri) {
    if (uri == null) {
      throw new ValidationException("redis_uri", "A Redis URI is required.");
    }
    return new Builder(uri);
  }

  /** A store with the default namespace and timeout. */
  public static RedisSnapshotStore create(String uri) {
    return builder(uri).build();
  }

  /** The key prefix (without the trailing colon). */
  public String namespace() {
    return namespace;
  }

  /** The time bound of every call. */
  public Duration timeout() {
    return timeout;
  }

  /**
   * The Redis key of a pair: {@code <namespace>:<tenant>:<provider>}.
   *
   * @throws PersistenceException when an id is null, empty or contains a colon (two pairs could
   *     then share a key)
   */
  public String key(String tenantId, String providerId) {
    checkId("tenant", tenantId);
    checkId("provider", providerId);
    return namespace + ":" + tenantId + ":" + providerId;
  }

  /** Whether a connection is currently up (no network call). */
  public boolean isConnected() {
    StatefulRedisConnection<String, byte[]> c = connection;
    return c != null && c.isOpen();
  }

  @Override
  public Optional<Snapshot> load(String tenantId, String providerId) {
    String key = key(tenantId, providerId);
    long deadline = deadline();
    byte[] value = await(commands(deadline).get(key), deadline, "reading " + key);
    if (value == null) {
      return Optional.empty();
    }
    return Optional.of(decode(key, tenantId, providerId, value));
  }

  /**
   * Reads the snapshots of these pairs with pipelined {@code MGET}s. Values that are not a usable
   * snapshot of their pair are skipped with a warning naming the key; pairs without a key are
   * simply absent from the result.
   *
   * @throws PersistenceException when Redis cannot be reached or does not answer in time
   */
  @Override
  public List<Snapshot> loadAll(Collection<PairId> pairs) {
    List<Snapshot> out = new ArrayList<>();
    if (pairs == null || pairs.isEmpty()) {
      ensureOpen();
      return out;
    }
    Map<String, PairId> byKey = new HashMap<>();
    List<String> keys = new ArrayList<>(pairs.size());
    for (PairId p : pairs) {
      if (p == null) {
        continue;
      }
      String key;
      try {
        key = key(p.tenantId(), p.providerId());
      } catch (PersistenceException e) {
        LOG.warn("Skipping snapshot: {}", e.getMessage());
        continue;
      }
      if (byKey.putIfAbsent(key, p) == null) {
        keys.add(key);
      }
    }
    if (keys.isEmpty()) {
      ensureOpen();
      return out;
    }
    long deadline = deadline();
    RedisAsyncCommands<String, byte[]> cmds = commands(deadline);
    List<RedisFuture<List<KeyValue<String, byte[]>>>> batches = new ArrayList<>();
    for (int from = 0; from < keys.size(); from += MGET_BATCH) {
      String[] batch = keys.subList(from, Math.min(keys.size(), from + MGET_BATCH))
          .toArray(new String[0]);
      batches.add(cmds.mget(batch));
    }
    for (RedisFuture<List<KeyValue<String, byte[]>>> f : batches) {
      List<KeyValue<String, byte[]>> values = await(f, deadline,
          "reading " + keys.size() + " snapshots");
      for (KeyValue<String, byte[]> kv : values) {
        if (!kv.hasValue()) {
          continue;
        }
        PairId p = byKey.get(kv.getKey());
        try {
          out.add(decode(kv.getKey(), p.tenantId(), p.providerId(), kv.getValue()));
        } catch (PersistenceException e) {
          LOG.warn("Skipping snapshot: {}", e.getMessage());
        }
      }
    }
    return out;
  }

  /**
   * Writes the snapshots with pipelined {@code SET ... PX}, each key expiring when its snapshot
   * stops being fresh (at least one second from now).
   *
   * @throws PersistenceException when a snapshot cannot be encoded, Redis cannot be reached, or
   *     not every write is confirmed in time (the message counts the failures)
   */
  @Override
  public void persist(Collection<Snapshot> snapshots) {
    if (snapshots == null || snapshots.isEmpty()) {
      ensureOpen();
      return;
    }
    int total = snapshots.size();
    List<PersistenceException> failures = new ArrayList<>();
    List<String> keys = new ArrayList<>(total);
    List<byte[]> values = new ArrayList<>(total);
    List<Long> ttls = new ArrayList<>(total);
    Instant now = Instant.now();
    for (Snapshot s : snapshots) {
      try {
        if (s == null) {
          throw new PersistenceException("Cannot persist a null snapshot.");
        }
        String key = key(s.tenantId(), s.providerId());
        byte[] value = SnapshotCodec.encodeToBytes(s);
        keys.add(key);
        values.add(value);
        ttls.add(expiryMillis(s.expiresAt(), now));
      } catch (PersistenceException e) {
        failures.add(e);
      }
    }
    if (!keys.isEmpty()) {
      long deadline = deadline();
      RedisAsyncCommands<String, byte[]> cmds = commands(deadline);
      List<RedisFuture<String>> futures = new ArrayList<>(keys.size());
      for (int i = 0; i < keys.size(); i++) {
        futures.add(cmds.set(keys.get(i), values.get(i), SetArgs.Builder.px(ttls.get(i))));
      }
      for (int i = 0; i < futures.size(); i++) {
        try {
          await(futures.get(i), deadline, "writing " + keys.get(i));
        } catch (PersistenceException e) {
          failures.add(e);
        }
      }
    } else {
      ensureOpen();
    }
    if (!failures.isEmpty()) {
      if (total == 1) {
        throw failures.get(0);
      }
      throw new PersistenceException(failures.size() + " of " + total
          + " snapshots were not written to Redis; the first failure: "
          + failures.get(0).getMessage(), failures.get(0));
    }
  }

  @Override
  public void delete(String tenantId, String providerId) {
    String key = key(tenantId, providerId);
    long deadline = deadline();
    await(commands(deadline).del(key), deadline, "deleting " + key);
  }

  /** Closes the connection and stops the client's threads (waits up to 2 s). Idempotent. */
  @Override
  public void close() {
    StatefulRedisConnection<String, byte[]> c;
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
      c = connection;
      connection = null;
      if (connecting != null) {
        connecting.cancel(false);
        connecting = null;
      }
    }
    try {
      if (c != null) {
        c.closeAsync().get(1, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException | RuntimeException e) {
      LOG.debug("Closing the Redis connection to {}: {}", where, e.toString());
    }
    try {
      client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
      resources.shutdown(0, 2, TimeUnit.SECONDS).get(3, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException | RuntimeException e) {
      LOG.debug("Shutting down the Redis client for {}: {}", where, e.toString());
    }
  }

  @Override
  public String toString() {
    return "RedisSnapshotStore[" + where + ", namespace=" + namespace + "]";
  }

  // ---------------------------------------------------------------- internals

  /** Milliseconds until the key should go: time left until expires_at plus the grace, >= 1 s. */
  long expiryMillis(Instant expiresAt, Instant now) {
    if (expiresAt == null) {
      return MIN_EXPIRY_MILLIS; // encode refuses such a snapshot anyway
    }
    long left;
    try {
      left = Duration.between(now, expiresAt).plus(expiryGrace).toMillis();
    } catch (ArithmeticException e) {
      left = Long.MAX_VALUE;
    }
    return Math.max(MIN_EXPIRY_MILLIS, left);
  }

  private Snapshot decode(String key, String tenantId, String providerId, byte[] value) {
    Snapshot s;
    try {
      s = SnapshotCodec.decode(value);
    } catch (PersistenceException e) {
      throw new PersistenceException("Redis key " + key + " (" + where + ") does not hold a"
          + " usable snapshot: " + e.getMessage(), e);
    }
    if (!tenantId.equals(s.tenantId()) || !providerId.equals(s.providerId())) {
      throw new PersistenceException("Redis key " + key + " (" + where + ") holds the snapshot"
          + " of another pair; it is refused.");
    }
    return s;
  }

  private long deadline() {
    return System.nanoTime() + timeout.toNanos();
  }

  private void ensureOpen() {
    if (closed) {
      throw new PersistenceException("The Redis snapshot store for " + where + " is closed.");
    }
  }

  /** The commands of the shared connection, connecting first (within the deadline) if needed. */
  private RedisAsyncCommands<String, byte[]> commands(long deadline) {
    ensureOpen();
    StatefulRedisConnection<String, byte[]> c = connection;
    if (c != null) {
      return c.async();
    }
    return await(connectAttempt(), deadline, "connecting").async();
  }

  /** The connection, or the attempt under way to make one (starting one when none is). */
  private CompletableFuture<StatefulRedisConnection<String, byte[]>> connectAttempt() {
    synchronized (lock) {
      ensureOpen();
      if (connection != null) {
        return CompletableFuture.completedFuture(connection);
      }
      // An attempt stuck longer than a few timeouts (a host that accepts but never answers) is
      // abandoned, so that a recovered Redis is found by the next caller.
      if (connecting != null
          && System.nanoTime() - connectingSince > 3 * timeout.toNanos()) {
        connecting.cancel(false);
        connecting = null;
      }
      CompletableFuture<StatefulRedisConnection<String, byte[]>> current = connecting;
      if (current == null) {
        CompletableFuture<StatefulRedisConnection<String, byte[]>> started;
        try {
          started = client.connectAsync(CODEC, uri).toCompletableFuture();
        } catch (RuntimeException e) {
          throw new PersistenceException("Cannot connect to Redis at " + where + ": "
              + e.getMessage(), e);
        }
        connecting = started;
        connectingSince = System.nanoTime();
        // may run at once (and clear the field) when the attempt has already failed
        started.whenComplete((conn, error) -> onConnected(started, conn, error));
        current = started;
      }
      return current;
    }
  }

  /** Starts connecting in the background so that the first call finds the connection ready. */
  private void connectInBackground() {
    try {
      connectAttempt();
    } catch (PersistenceException e) {
      LOG.debug("Connecting to Redis at {} failed: {}", where, e.getMessage());
    }
  }

  private void onConnected(CompletableFuture<StatefulRedisConnection<String, byte[]>> attempt,
      StatefulRedisConnection<String, byte[]> conn, Throwable error) {
    boolean discard;
    synchronized (lock) {
      boolean current = connecting == attempt;
      if (current) {
        connecting = null;
      }
      discard = conn != null && (closed || !current || connection != null);
      if (conn != null && !discard) {
        connection = conn;
        LOG.info("Connected to Redis at {} for snapshots (namespace {})", where, namespace);
      }
    }
    if (discard) {
      conn.closeAsync();
    }
    if (error != null && !(error instanceof CancellationException)) {
      LOG.debug("Connecting to Redis at {} failed: {}", where, error.toString());
    }
  }

  private <T> T await(CompletionStage<T> stage, long deadline, String what) {
    CompletableFuture<T> f = stage.toCompletableFuture();
    try {
      // get(0) still returns an answer that is already there
      return f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      throw timedOut(what);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new PersistenceException("Interrupted while " + what + " (Redis at " + where + ").",
          e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      for (Throwable t = cause; t != null; t = t.getCause()) {
        if (t instanceof RedisCommandTimeoutException) { // Lettuce's own bound, the same timeout
          PersistenceException timeout = timedOut(what);
          timeout.initCause(cause);
          throw timeout;
        }
      }
      throw new PersistenceException("Redis at " + where + " failed while " + what + ": "
          + cause.getMessage(), cause);
    } catch (CancellationException e) {
      throw new PersistenceException("Redis call cancelled while " + what + " (" + where + ").",
          e);
    }
  }

  private PersistenceException timedOut(String what) {
    return new PersistenceException("Redis at " + where + " did not answer within "
        + timeout.toMillis() + " ms while " + what + ".");
  }

  private static void checkId(String what, String id) {
    if (id == null || id.isEmpty()) {
      throw new PersistenceException("A " + what + " id is required for a Redis key.");
    }
    if (id.indexOf(':') >= 0) {
      throw new PersistenceException("A " + what + " id for a Redis key must not contain ':';"
          + " got a " + id.length() + "-character id with one.");
    }
  }

  /** host:port/db (or the socket path), never the password. */
  private static String describe(RedisURI uri) {
    String base = uri.getSocket() != null ? uri.getSocket() : uri.getHost() + ":" + uri.getPort();
    return (uri.isSsl() ? "rediss://" : "redis://") + base + "/" + uri.getDatabase();
  }

  /** Settings of a {@link RedisSnapshotStore}. */
  public static final class Builder {
    private final RedisURI uri;
    private String namespace = DEFAULT_NAMESPACE;
    private Duration timeout = DEFAULT_TIMEOUT;
    private Duration expiryGrace = Duration.ZERO;

    private Builder(RedisURI uri) {
      this.uri = uri;
    }

    /**
     * The key prefix (default {@code jwks-cache}): 1 to 100 characters of ASCII letters, digits,
     * {@code -}, {@code _}, {@code .} and {@code :}, not starting or ending with {@code :}.
     *
     * @throws ValidationException (field {@code redis_namespace})
     */
    public Builder namespace(String value) {
      if (value == null || value.isEmpty() || value.length() > MAX_NAMESPACE_LENGTH) {
        throw new ValidationException("redis_namespace", "Must be 1 to " + MAX_NAMESPACE_LENGTH
            + " characters; got " + (value == null ? "null" : value.length()) + ".");
      }
      for (int i = 0; i < value.length(); i++) {
        char c = value.charAt(i);
        boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
            || c == '-' || c == '_' || c == '.' || c == ':';
        if (!ok) {
          throw new ValidationException("redis_namespace", "Only ASCII letters, digits, '-', '_',"
              + " '.' and ':' are allowed; character " + i + " is not.");
        }
      }
      if (value.startsWith(":") || value.endsWith(":")) {
        throw new ValidationException("redis_namespace", "Must not start or end with ':' (the"
            + " separator is added).");
      }
      this.namespace = value;
      return this;
    }

    /**
     * The most any call may take, connecting included (default 1 s); 10 ms to 60 s.
     *
     * @throws ValidationException (field {@code redis_timeout})
     */
    public Builder timeout(Duration value) {
      if (value == null || value.compareTo(Duration.ofMillis(10)) < 0
          || value.compareTo(Duration.ofSeconds(60)) > 0) {
        throw new ValidationException("redis_timeout", "Must be between 10 ms and 60 s; got "
            + value + ".");
      }
      this.timeout = value;
      return this;
    }

    /**
     * Extra time a key is kept after its snapshot's {@code expires_at} (default 0: the key goes
     * when the snapshot stops being fresh, as DESIGN section 7 asks). A grace such as the
     * stale_while_error window lets a restart restore an expired snapshot as stale.
     *
     * @throws ValidationException (field {@code redis_expiry_grace}) when negative
     */
    public Builder expiryGrace(Duration value) {
      if (value == null || value.isNegative()) {
        throw new ValidationException("redis_expiry_grace", "Must be zero or more; got " + value
            + ".");
      }
      this.expiryGrace = value;
      return this;
    }

    /**
     * The store. It starts connecting in the background and returns without waiting: a Redis that
     * is down does not fail the build, only the calls made while it stays down.
     */
    public RedisSnapshotStore build() {
      RedisSnapshotStore store = new RedisSnapshotStore(this);
      store.connectInBackground();
      return store;
    }
  }
}
