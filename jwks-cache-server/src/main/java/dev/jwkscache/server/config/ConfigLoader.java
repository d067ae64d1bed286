package dev.jwkscache.server.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.jwkscache.ProviderRegistration;
import dev.jwkscache.Registry;
import dev.jwkscache.ValidationException;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the YAML configuration strictly: unknown keys, wrong types and values that break a rule
 * are refused with their key path. Environment variables override a few keys:
 *
 * <ul>
 *   <li>{@code JWKS_CACHE_HOST}, {@code JWKS_CACHE_PORT}: server.host, server.port;</li>
 *   <li>{@code JWKS_CACHE_ADMIN_TOKEN}: server.admin_token;</li>
 *   <li>{@code JWKS_CACHE_REDIS_URI}: persistence.redis (and selects Redis);</li>
 *   <li>{@code JWKS_CACHE_SEAL_KEY}: persistence.seal_key.secret.</li>
 * </ul>
 */
public final class ConfigLoader {
  public static final String DEFAULT_HOST = "127.0.0.1";
  public static final int DEFAULT_PORT = 8080;
  public static final String DEFAULT_SNAPSHOT_DIR = "jwks-cache-snapshots";
  public static final String DEFAULT_NAMESPACE = "jwks-cache";
  /** Shortest admin token accepted; shorter ones are guessable. */
  public static final int MIN_ADMIN_TOKEN_LENGTH = 16;

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
      .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

  private ConfigLoader() {
  }

  /** Loads a file; relative paths inside it resolve against the file's directory. */
  public static ServerConfig load(Path file, Map<String, String> env) {
    String text;
    try {
      text = Files.readString(file);
    } catch (IOException e) {
      throw new ConfigException("(file)", "Cannot read " + file + ": " + e.getMessage());
    }
    Path base = file.toAbsolutePath().getParent();
    return parse(text, base, env);
  }

  /** Parses YAML text; {@code baseDir} anchors relative paths. */
  public static ServerConfig parse(String yaml, Path baseDir, Map<String, String> env) {
    JsonNode root;
    try {
      root = YAML.readTree(yaml);
    } catch (JsonProcessingException e) {
      String where = e.getLocation() == null ? ""
          : " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr()
              + ")";
      throw new ConfigException("(document)", "Not valid YAML" + where + ": "
          + e.getOriginalMessage());
    }
    try {
      return read(root, baseDir, env);
    } catch (ValidationException e) {
      throw new ConfigException(e.field(), e.reason());
    }
  }

  private static ServerConfig read(JsonNode root, Path baseDir, Map<String, String> env) {
    if (root == null || root.isMissingNode() || root.isNull()) {
      throw new ValidationException("(document)", "The file is empty; see examples/ for a"
          + " sample configuration.");
    }
    Fields top = Fields.of(root, "");
    ServerConfig.Server server = server(top.object("server"), env);
    ServerConfig.RegistrySettings registry = registry(top.object("registry"));
    ServerConfig.Persistence persistence = persistence(top.object("persistence"), baseDir, env);
    List<ProviderRegistration> providers = providers(top.objects("providers"),
        registry.requireHttps());
    top.finish();
    return new ServerConfig(server, registry, persistence, providers);
  }

  private static ServerConfig.Server server(Fields f, Map<String, String> env) {
    String host = f.string("host");
    Long port = f.integer("port", 0, 65535);
    String token = f.string("admin_token");
    f.finish();
    if (env.get("JWKS_CACHE_HOST") != null) {
      host = env.get("JWKS_CACHE_HOST");
    }
    if (env.get("JWKS_CACHE_PORT") != null) {
      String p = env.get("JWKS_CACHE_PORT").strip();
      try {
        port = Long.parseLong(p);
      } catch (NumberFormatException e) {
        port = -1L;
      }
      if (port < 0 || port > 65535) {
        throw new ValidationException("server.port (JWKS_CACHE_PORT)",
            "Must be a port number between 0 and 65535; got '" + p + "'.");
      }
    }
    if (env.get("JWKS_CACHE_ADMIN_TOKEN") != null) {
      token = env.get("JWKS_CACHE_ADMIN_TOKEN");
    }
    if (host != null && host.isBlank()) {
      throw new ValidationException("server.host", "Must not be empty.");
    }
    if (token != null) {
      if (token.isEmpty()) {
        token = null; // an empty variable switches admin off, as if unset
      } else if (token.length() < MIN_ADMIN_TOKEN_LENGTH || token.chars().anyMatch(
          c -> c <= ' ' || c > '~')) {
        throw new ValidationException("server.admin_token", "Must be at least "
            + MIN_ADMIN_TOKEN_LENGTH + " printable ASCII characters without spaces (got "
            + token.length() + " characters); generate one with: openssl rand -base64 32");
      }
    }
    return new ServerConfig.Server(host == null ? DEFAULT_HOST : host.strip(),
        port == null ? DEFAULT_PORT : port.intValue(), token);
  }

  private static ServerConfig.RegistrySettings registry(Fields f) {
    Boolean https = f.bool("require_https");
    List<String> domains = f.strings("allowed_domains");
    Boolean refusePrivate = f.bool("refuse_private_addresses");
    Fields defaults = f.object("defaults");
    Duration early = defaults.duration("refresh_early");
    Duration stale = defaults.duration("stale_while_error");
    defaults.finish();
    f.finish();
    if (early != null && early.compareTo(Duration.ofSeconds(1)) < 0) {
      throw new ValidationException(defaults.path("refresh_early"), "Must be at least 1s.");
    }
    if (stale != null && stale.isNegative()) {
      throw new ValidationException(defaults.path("stale_while_error"), "Must be zero or more.");
    }
    List<String> list = domains == null ? List.of() : domains;
    try {
      Registry.builder().allowedDomains(list); // canonicalises and checks each entry
    } catch (ValidationException e) {
      throw new ValidationException(f.path("allowed_domains"), e.reason());
    }
    return new ServerConfig.RegistrySettings(https == null || https, list,
        refusePrivate != null && refusePrivate, early, stale);
  }

  private static ServerConfig.Persistence persistence(Fields f, Path baseDir,
      Map<String, String> env) {
    Boolean enabled = f.bool("enabled");
    String file = f.string("file");
    String redis = f.string("redis");
    String namespace = f.string("namespace");
    Fields seal = f.object("seal_key");
    String sealId = seal.string("id");
    String sealSecret = seal.string("secret");
    seal.finish();
    f.finish();
    String redisPath = f.path("redis");
    if (env.get("JWKS_CACHE_REDIS_URI") != null && !env.get("JWKS_CACHE_REDIS_URI").isBlank()) {
      redis = env.get("JWKS_CACHE_REDIS_URI");
      redisPath = "persistence.redis (JWKS_CACHE_REDIS_URI)";
      file = null;
    }
    String sealPath = seal.path("secret");
    if (env.get("JWKS_CACHE_SEAL_KEY") != null && !env.get("JWKS_CACHE_SEAL_KEY").isBlank()) {
      sealSecret = env.get("JWKS_CACHE_SEAL_KEY");
      sealPath = "persistence.seal_key.secret (JWKS_CACHE_SEAL_KEY)";
    }
    if (enabled != null && !enabled) {
      return new ServerConfig.Persistence(false, null, null, null, null, null);
    }
    if (file != null && redis != null) {
      throw new ValidationException(f.path("redis"), "Choose one of file and redis, not both.");
    }
    URI redisUri = null;
    if (redis != null) {
      redisUri = redisUri(redis, redisPath);
      if (sealSecret == null) {
        throw new ValidationException(sealPath, "Redis persistence needs a seal key: whoever can"
            + " write to Redis could otherwise plant keys. Set persistence.seal_key.secret or"
            + " JWKS_CACHE_SEAL_KEY (generate one with: openssl rand -base64 32).");
      }
    } else if (namespace != null) {
      throw new ValidationException(f.path("namespace"), "Only applies to redis persistence.");
    }
    if (sealSecret != null) {
      checkSealSecret(sealSecret, sealPath);
    }
    String id = sealId == null ? "default" : sealId;
    if (!id.matches("[A-Za-z0-9._-]{1,64}")) {
      throw new ValidationException(seal.path("id"),
          "Must be 1 to 64 ASCII letters, digits, '-', '_' or '.'; got '" + id + "'.");
    }
    Path dir = null;
    if (redisUri == null) {
      if (file != null && file.isBlank()) {
        throw new ValidationException(f.path("file"), "Must be a directory path.");
      }
      Path p = Path.of(file == null ? DEFAULT_SNAPSHOT_DIR : file.strip());
      dir = p.isAbsolute() || baseDir == null ? p : baseDir.resolve(p).normalize();
    }
    return new ServerConfig.Persistence(true, dir, redisUri,
        namespace == null ? DEFAULT_NAMESPACE : namespace, id, sealSecret);
  }

  private static URI redisUri(String text, String path) {
    URI uri;
    try {
      uri = new URI(text.strip());
    } catch (URISyntaxException e) {
      throw new ValidationException(path, "Not a URI: " + e.getReason() + ".");
    }
    if (!"redis".equals(uri.getScheme()) && !"rediss".equals(uri.getScheme())) {
      throw new ValidationException(path, "Must be a redis:// or rediss:// URI.");
    }
    if (uri.getHost() == null) {
      throw new ValidationException(path, "Must name a host, e.g. redis://localhost:6379.");
    }
    return uri;
  }

  private static void checkSealSecret(String secret, String path) {
    String t = secret.strip();
    byte[] bytes;
    try {
      bytes = t.indexOf('-') >= 0 || t.indexOf('_') >= 0
          ? Base64.getUrlDecoder().decode(t) : Base64.getDecoder().decode(t);
    } catch (IllegalArgumentException e) {
      throw new ValidationException(path, "Must be base64 (standard or URL-safe).");
    }
    if (bytes.length < 32) {
      throw new ValidationException(path, "Must decode to at least 32 bytes; got " + bytes.length
          + ". Generate one with: openssl rand -base64 32");
    }
  }

  private static List<ProviderRegistration> providers(List<Fields> entries,
      boolean registryRequiresHttps) {
    List<ProviderRegistration> out = new ArrayList<>();
    Map<String, String> seen = new HashMap<>();
    for (Fields e : entries) {
      String tenant = e.requiredString("tenant_id");
      String provider = e.requiredString("provider_id");
      ProviderRegistration r = RegistrationReader.read(tenant, provider, e);
      // The registry decides require_https for entries that leave it unset; refuse here what it
      // would refuse at start, with the entry's key path.
      if (registryRequiresHttps && r.requireHttpsSet() && !r.requireHttps()) {
        throw new ValidationException(e.path("require_https"), "Cannot be false while"
            + " registry.require_https is true.");
      }
      boolean https = r.requireHttpsSet() ? r.requireHttps() : registryRequiresHttps;
      if (https && !"https".equals(r.jwksUrl().getScheme())) {
        throw new ValidationException(e.path("jwks_url"), "Must use https (require_https is"
            + " true); got '" + r.jwksUrl() + "'.");
      }
      String key = tenant + "/" + provider;
      String earlier = seen.putIfAbsent(key, e.path("tenant_id").replace(".tenant_id", ""));
      if (earlier != null) {
        throw new ValidationException(e.path("provider_id"), "Pair " + key
            + " is listed twice (also at " + earlier + ").");
      }
      out.add(r);
    }
    return out;
  }
}
