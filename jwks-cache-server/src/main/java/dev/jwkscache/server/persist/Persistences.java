package dev.jwkscache.server.persist;

import dev.jwkscache.Registry;
import dev.jwkscache.server.config.ServerConfig;
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
    public String describe() {
      return "off";
    }
  };

  /**
   * Snapshots as files in {@code directory}. Not available until the registry can be given a
   * snapshot store: {@link SnapshotPersistence#configure} then fails with a clear message.
   */
  public static SnapshotPersistence file(java.nio.file.Path directory) {
    return new SnapshotPersistence() {
      @Override
      public void configure(Registry.Builder builder) {
        throw new UnsupportedOperationException("this build's registry cannot store snapshots"
            + " yet (file store at " + directory + ")");
      }

      @Override
      public int persistAll(Registry registry) {
        return 0;
      }

      @Override
      public String describe() {
        return "file store at " + directory;
      }
    };
  }

  public static SnapshotPersistence from(ServerConfig.Persistence config) {
    if (!config.enabled()) {
      return NONE;
    }
    log.warn("Snapshot persistence is configured ({}) but this build's registry cannot store"
        + " snapshots yet; starts will be cold", config);
    return NONE;
  }
}
