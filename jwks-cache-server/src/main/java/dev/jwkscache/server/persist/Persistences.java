package dev.jwkscache.server.persist;

import dev.jwkscache.JwksCacheException;
import dev.jwkscache.Registry;
import dev.jwkscache.persist.FileSnapshotStore;
import dev.jwkscache.persist.SealKey;
import dev.jwkscache.persist.SnapshotSealer;
import dev.jwkscache.persist.SnapshotStore;
import dev.jwkscache.redis.RedisSnapshotStore;
import dev.jwkscache.server.config.ServerConfig;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Builds the {@link SnapshotPersistence} a configuration asks for. */
public final class Persistences {
  private static final Logger log = LoggerFactory.getLogger(Persistences.class);

  private Persistences() {
  }

  /** No snapshots at all. */
  public static final SnapshotPersistence NONE = new SnapshotPersistence() {
    @Override
    public void configure(Registry.Builder builder) {
    }

    @Override
    public int persistAll(Registry registry) {
      return 0;
    }

    @Override
    public void delete(String tenantId, String providerId) {
    }

    @Override
    public String describe() {
      return "off";
    }
  };

  /** Snapshots as files in {@code directory} (created when missing), unsealed. */
  public static SnapshotPersistence file(Path directory) {
    return new StorePersistence(new FileSnapshotStore(directory), null,
        "file store at " + directory);
  }

  /** The store of a configuration; a store that cannot be opened is a JwksCacheException. */
  public static SnapshotPersistence from(ServerConfig.Persistence config) {
    if (!config.enabled()) {
      return NONE;
    }
    SnapshotSealer sealer = config.sealKeyBase64() == null ? null
        : new SnapshotSealer(SealKey.fromBase64(config.sealKeyId(), config.sealKeyBase64()));
    if (config.usesRedis()) {
      String where = config.redis().getHost() + (config.redis().getPort() > 0
          ? ":" + config.redis().getPort() : "");
      return new StorePersistence(RedisSnapshotStore.builder(config.redis().toString())
          .namespace(config.namespace()).build(), sealer,
          "redis " + where + " namespace " + config.namespace() + ", sealed with key "
              + config.sealKeyId());
    }
    return new StorePersistence(new FileSnapshotStore(config.file()), sealer,
        "file store at " + config.file()
            + (sealer == null ? "" : ", sealed with key " + config.sealKeyId()));
  }

  /** A library store handed to the registry, which restores from it and writes through. */
  private static final class StorePersistence implements SnapshotPersistence {
    private final SnapshotStore store;
    private final SnapshotSealer sealer;
    private final String description;

    StorePersistence(SnapshotStore store, SnapshotSealer sealer, String description) {
      this.store = store;
      this.sealer = sealer;
      this.description = description;
    }

    @Override
    public void configure(Registry.Builder builder) {
      builder.snapshotStore(store);
      if (sealer != null) {
        builder.snapshotSealer(sealer);
      }
    }

    @Override
    public int persistAll(Registry registry) {
      return registry.persistAll();
    }

    @Override
    public void delete(String tenantId, String providerId) {
      try {
        store.delete(tenantId, providerId);
      } catch (JwksCacheException e) {
        log.warn("Could not delete the snapshot of {}/{}: {}", tenantId, providerId,
            e.getMessage());
      }
    }

    @Override
    public String describe() {
      return description;
    }
  }
}
