package dev.jwkscache.server.config;

import dev.jwkscache.ProviderRegistration;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The sidecar's configuration, validated. Built by {@link ConfigLoader} from YAML plus the
 * environment overrides.
 */
public record ServerConfig(Server server, RegistrySettings registry, Persistence persistence,
    List<ProviderRegistration> providers) {

  public ServerConfig {
    providers = List.copyOf(providers);
  }

  /**
   * @param adminToken the bearer token of the admin endpoints, or null: admin disabled
   */
  public record Server(String host, int port, String adminToken) {
    @Override
    public String toString() {
      return "Server[host=" + host + ", port=" + port + ", admin="
          + (adminToken == null ? "disabled" : "enabled") + "]";
    }
  }

  /** Registry-wide settings; null durations keep the library defaults. */
  public record RegistrySettings(boolean requireHttps, List<String> allowedDomains,
      boolean refusePrivateAddresses, Duration defaultRefreshEarly,
      Duration defaultStaleWhileError) {
    public RegistrySettings {
      allowedDomains = List.copyOf(allowedDomains);
    }
  }

  /**
   * Where snapshots go: a directory ({@code file}), or Redis ({@code redis}), or nowhere
   * ({@code enabled: false}).
   *
   * @param sealKeyId id written into seals (default {@code default})
   * @param sealKeyBase64 the HMAC secret, base64; required with Redis
   */
  public record Persistence(boolean enabled, Path file, URI redis, String namespace,
      String sealKeyId, String sealKeyBase64) {
    public boolean usesRedis() {
      return enabled && redis != null;
    }

    @Override
    public String toString() {
      return !enabled ? "Persistence[off]" : redis != null
          ? "Persistence[redis " + redis.getHost() + ", namespace=" + namespace + ", sealed]"
          : "Persistence[file " + file + (sealKeyBase64 != null ? ", sealed" : "") + "]";
    }
  }
}
