package dev.jwkscache.server.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import dev.jwkscache.JwksCacheException;
import dev.jwkscache.ProviderRegistration;
import dev.jwkscache.Registry;
import dev.jwkscache.server.http.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Timeout;

/**
 * Jazzer target for the sidecar's YAML configuration: any bytes written as the config file and
 * loaded by {@link ConfigLoader#load(Path, Map)} (bounded read, UTF-8, YAML limits, strict
 * reading), once without environment overrides and once with all of them.
 *
 * <p>Rules: the only exception is a {@link ConfigException} whose key path is set and starts its
 * message; a config that loads is consistent (port range, admin token rules, exactly one snapshot
 * store, a seal key with Redis, https where required, no pair twice, the overrides applied), loads
 * the same twice, and starts: a registry built as {@code SidecarServer.start} builds it accepts
 * the registry settings without a word and refuses a provider only with a library error (which
 * start reports as a {@link ConfigException} naming the entry), and every registered pair renders
 * through the API's JSON ({@link Json#registration}); what loads holds no YAML alias and one
 * document. No input may take more than the timeout.
 *
 * <p>Seeds: {@code ConfigJazzerTestInputs/load/}: {@code examples/jwks-cache.yaml}, the configs
 * of {@code ConfigLoaderTest} and {@code ApiContractTest}, and hostile ones (alias bombs, deep
 * nesting, huge numbers and durations, Java type tags, unicode, NUL characters, several
 * documents). Regression mode under {@code mvn test}; fuzzing with {@code JAZZER_FUZZ=1} (see
 * {@code .ci/fuzz}).
 */
class ConfigJazzerTest {
  /** 32 bytes, base64: a valid seal key. */
  static final String SECRET = "MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDE=";
  static final Map<String, String> ENV = Map.of(
      "JWKS_CACHE_HOST", "0.0.0.0",
      "JWKS_CACHE_PORT", "9090",
      "JWKS_CACHE_ADMIN_TOKEN", "env-token-0123456789",
      "JWKS_CACHE_REDIS_URI", "redis://cache:6379",
      "JWKS_CACHE_SEAL_KEY", SECRET);

  private static final YAMLFactory RAW_YAML = new YAMLFactory();
  private static Path dir;
  /** Registries by settings, reused across inputs (building one per input costs an HTTP client). */
  private static final Map<ServerConfig.RegistrySettings, Registry> REGISTRIES =
      new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<ServerConfig.RegistrySettings, Registry> e) {
          if (size() > 32) {
            e.getValue().close();
            return true;
          }
          return false;
        }
      };

  private static synchronized Path file() {
    if (dir == null) {
      try {
        dir = Files.createTempDirectory("config-fuzz");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return dir.resolve("jwks-cache.yaml");
  }

  @AfterAll
  static synchronized void cleanUp() throws IOException {
    REGISTRIES.values().forEach(Registry::close);
    REGISTRIES.clear();
    if (dir != null) {
      Files.deleteIfExists(dir.resolve("jwks-cache.yaml"));
      Files.deleteIfExists(dir);
      dir = null;
    }
  }

  @FuzzTest
  @Timeout(value = 10, unit = TimeUnit.SECONDS)
  void load(byte[] data) throws Exception {
    Path file = file();
    Files.write(file, data);
    for (Map<String, String> env : List.of(Map.<String, String>of(), ENV)) {
      ServerConfig config;
      try {
        config = ConfigLoader.load(file, env);
      } catch (ConfigException expected) {
        assertThat(expected.keyPath()).isNotBlank();
        assertThat(expected.getMessage()).startsWith(expected.keyPath() + ": ");
        continue;
      }
      assertConsistent(config, env, file.getParent());
      assertNoAliasAndOneDocument(data);
      if (env.isEmpty()) {
        assertThat(describe(ConfigLoader.load(file, env))).isEqualTo(describe(config));
      }
      assertStarts(config);
    }
  }

  static void assertConsistent(ServerConfig c, Map<String, String> env, Path base) {
    ServerConfig.Server s = c.server();
    assertThat(s.host()).isNotBlank().isEqualTo(s.host().strip());
    assertThat(s.port()).isBetween(0, 65535);
    if (s.adminToken() != null) {
      assertThat(s.adminToken().length()).isGreaterThanOrEqualTo(
          ConfigLoader.MIN_ADMIN_TOKEN_LENGTH);
      assertThat(s.adminToken().chars()).allMatch(ch -> ch > ' ' && ch <= '~');
    }
    if (!env.isEmpty()) {
      assertThat(s.host()).isEqualTo("0.0.0.0");
      assertThat(s.port()).isEqualTo(9090);
      assertThat(s.adminToken()).isEqualTo("env-token-0123456789");
    }

    ServerConfig.Persistence p = c.persistence();
    if (p.enabled()) {
      assertThat(p.file() == null).isNotEqualTo(p.redis() == null); // exactly one store
      assertThat(p.sealKeyId()).matches("[A-Za-z0-9._-]{1,64}");
      assertThat(p.namespace()).isNotNull();
      if (p.redis() != null) {
        assertThat(p.redis().getScheme()).isIn("redis", "rediss");
        assertThat(p.redis().getHost()).isNotNull();
        assertThat(p.sealKeyBase64()).isNotNull();
      } else {
        assertThat(p.file().isAbsolute()).as("relative to %s", base).isTrue();
      }
      if (!env.isEmpty()) {
        assertThat(p.usesRedis()).isTrue();
        assertThat(p.redis().getHost()).isEqualTo("cache");
      }
    } else {
      assertThat(p.file()).isNull();
      assertThat(p.redis()).isNull();
    }

    Set<String> pairs = new HashSet<>();
    for (ProviderRegistration r : c.providers()) {
      assertThat(pairs.add(r.tenantId() + "/" + r.providerId())).isTrue();
      boolean https = r.requireHttpsSet() ? r.requireHttps() : c.registry().requireHttps();
      if (https) {
        assertThat(r.jwksUrl().getScheme()).isEqualTo("https");
      }
      if (c.registry().requireHttps() && r.requireHttpsSet()) {
        assertThat(r.requireHttps()).isTrue();
      }
    }
  }

  /**
   * What was accepted reads as YAML means it: Jackson passes an alias on as its anchor's name, and
   * a second document would be ignored, so neither may be in an accepted file.
   */
  static void assertNoAliasAndOneDocument(byte[] data) throws IOException {
    try (JsonParser p = RAW_YAML.createParser(new String(data, StandardCharsets.UTF_8))) {
      int depth = 0;
      int roots = 0;
      for (JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
        assertThat(((YAMLParser) p).isCurrentAlias()).as("alias accepted: %s", p.getText())
            .isFalse();
        if (depth == 0 && t != JsonToken.END_OBJECT && t != JsonToken.END_ARRAY) {
          roots++;
        }
        depth += t.isStructStart() ? 1 : t.isStructEnd() ? -1 : 0;
      }
      assertThat(roots).as("documents").isLessThanOrEqualTo(1);
    }
  }

  /** What SidecarServer.start does with the config, minus the snapshot store and Jetty. */
  static void assertStarts(ServerConfig c) {
    Registry registry = registry(c.registry());
    List<ProviderRegistration> registered = new ArrayList<>();
    try {
      for (ProviderRegistration p : c.providers()) {
        try {
          registry.register(p);
        } catch (JwksCacheException refused) {
          // start() reports it as a ConfigException on providers[i]: a documented outcome
          assertThat(refused.getMessage()).isNotBlank();
          continue;
        }
        registered.add(p);
        assertThat(Json.registration(registry.registration(p.tenantId(), p.providerId())))
            .isNotNull();
      }
    } finally {
      for (ProviderRegistration p : registered) {
        registry.unregister(p.tenantId(), p.providerId());
      }
    }
  }

  private static synchronized Registry registry(ServerConfig.RegistrySettings rs) {
    Registry r = REGISTRIES.get(rs);
    if (r == null) {
      // The loader vouched for these settings: the builder must take them without an exception.
      Registry.Builder b = Registry.builder()
          .requireHttps(rs.requireHttps())
          .allowedDomains(rs.allowedDomains())
          .refusePrivateAddresses(rs.refusePrivateAddresses())
          .fetchThreads(1);
      if (rs.defaultRefreshEarly() != null) {
        b.defaultRefreshEarly(rs.defaultRefreshEarly());
      }
      if (rs.defaultStaleWhileError() != null) {
        b.defaultStaleWhileError(rs.defaultStaleWhileError());
      }
      r = b.build();
      REGISTRIES.put(rs, r);
    }
    return r;
  }

  /** A comparable rendering (ProviderRegistration has no equals). */
  static String describe(ServerConfig c) {
    StringBuilder b = new StringBuilder();
    b.append(c.server()).append(c.server().adminToken()).append(c.registry())
        .append(c.persistence()).append(c.persistence().file()).append(c.persistence().redis())
        .append(c.persistence().sealKeyId()).append(c.persistence().sealKeyBase64());
    for (ProviderRegistration p : c.providers()) {
      b.append('\n').append(Json.registration(p));
    }
    return b.toString();
  }
}
