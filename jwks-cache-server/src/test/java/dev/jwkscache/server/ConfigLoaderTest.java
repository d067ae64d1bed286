package dev.jwkscache.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jwkscache.server.config.ConfigException;
import dev.jwkscache.server.config.ConfigLoader;
import dev.jwkscache.server.config.ServerConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class ConfigLoaderTest {
  static final String SECRET = "MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDE="; // 32 bytes

  static ServerConfig parse(String yaml) {
    return ConfigLoader.parse(yaml, Path.of("/etc/jwks"), Map.of());
  }

  @Test
  void theSampleConfigLoads() {
    ServerConfig c = ConfigLoader.load(Path.of("../examples/jwks-cache.yaml"), Map.of());
    assertThat(c.server().host()).isEqualTo("127.0.0.1");
    assertThat(c.server().adminToken()).isNull();
    assertThat(c.providers()).hasSize(2);
    assertThat(c.providers().get(1).staleWhileError()).isEqualTo(Duration.ofHours(1));
    assertThat(c.persistence().file()).isEqualTo(
        Path.of("../examples").toAbsolutePath().normalize().resolve("snapshots"));
  }

  @Test
  void defaultsAreSafe() {
    ServerConfig c = parse("{}");
    assertThat(c.server().host()).isEqualTo("127.0.0.1");
    assertThat(c.server().port()).isEqualTo(8080);
    assertThat(c.server().adminToken()).isNull();
    assertThat(c.registry().requireHttps()).isTrue();
    assertThat(c.persistence().enabled()).isTrue();
    assertThat(c.persistence().file()).isEqualTo(Path.of("/etc/jwks/jwks-cache-snapshots"));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "unknown top-level key    | servr: {}                                           | servr",
      "unknown nested key       | 'server: {hots: x}'                                 | server.hots",
      "port out of range        | 'server: {port: 70000}'                             | server.port",
      "port not a number        | 'server: {port: eighty}'                            | server.port",
      "short admin token        | 'server: {admin_token: abc}'                        | server.admin_token",
      "bad default duration     | 'registry: {defaults: {refresh_early: 30}}'         | registry.defaults.refresh_early",
      "zero refresh_early       | 'registry: {defaults: {refresh_early: 0s}}'         | registry.defaults.refresh_early",
      "bad allowlist entry      | 'registry: {allowed_domains: [\"\"]}'               | registry.allowed_domains",
      "file and redis           | 'persistence: {file: /x, redis: \"redis://h\"}'      | persistence.redis",
      "redis without seal key   | 'persistence: {redis: \"redis://h:6379\"}'           | persistence.seal_key.secret",
      "redis bad scheme         | 'persistence: {redis: \"http://h\"}'                 | persistence.redis",
      "short seal key           | 'persistence: {seal_key: {secret: YWJj}}'           | persistence.seal_key.secret",
      "providers not a list     | 'providers: {a: 1}'                                 | providers",
      "missing jwks_url         | 'providers: [{tenant_id: t, provider_id: p}]'       | providers[0].jwks_url",
      "bad tenant id            | 'providers: [{tenant_id: \"t t\", provider_id: p, jwks_url: \"https://a.b/j\"}]' | providers[0].tenant_id",
      "http url                 | 'providers: [{tenant_id: t, provider_id: p, jwks_url: \"http://a.b/j\"}]' | providers[0].jwks_url",
      "unknown provider key     | 'providers: [{tenant_id: t, provider_id: p, jwks_url: \"https://a.b/j\", ttl: 5s}]' | providers[0].ttl",
      "min_ttl below floor      | 'providers: [{tenant_id: t, provider_id: p, jwks_url: \"https://a.b/j\", min_ttl: 5s}]' | providers[0].min_ttl",
      "nested retry rule        | 'providers: [{tenant_id: t, provider_id: p, jwks_url: \"https://a.b/j\", retry_policy: {deadline: 10ms}}]' | providers[0].retry_policy.deadline",
      "bad jitter               | 'providers: [{tenant_id: t, provider_id: p, jwks_url: \"https://a.b/j\", retry_policy: {jitter: lots}}]' | providers[0].retry_policy.jitter",
      "bad pin                  | 'providers: [{tenant_id: t, provider_id: p, jwks_url: \"https://a.b/j\", pinned_spki: [abc]}]' | providers[0].pinned_spki",
      "redirects over limit     | 'providers: [{tenant_id: t, provider_id: p, jwks_url: \"https://a.b/j\", max_redirects: 11}]' | providers[0].max_redirects",
  })
  void badValuesAreRefusedWithTheirKeyPath(String name, String yaml, String keyPath) {
    assertThatThrownBy(() -> parse(yaml)).isInstanceOf(ConfigException.class)
        .satisfies(e -> assertThat(((ConfigException) e).keyPath()).isEqualTo(keyPath))
        .hasMessageStartingWith(keyPath + ": ");
  }

  @Test
  void secondEntryIsNamedByIndexAndDuplicatesAreRefused() {
    String p = "{tenant_id: t, provider_id: p, jwks_url: \"https://a.b/j\"}";
    assertThatThrownBy(() -> parse("providers: [" + p + ", {tenant_id: u, provider_id: p,"
        + " jwks_url: \"https://a.b/j\", max_ttl: 1s}]"))
        .hasMessageStartingWith("providers[1].max_ttl: ");
    assertThatThrownBy(() -> parse("providers: [" + p + ", " + p + "]"))
        .hasMessageStartingWith("providers[1].provider_id: ").hasMessageContaining("providers[0]");
  }

  @Test
  void yamlSyntaxAndDuplicateKeysAreRefused() {
    assertThatThrownBy(() -> parse("server: {port: 1, port: 2}"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("port");
    assertThatThrownBy(() -> parse("server: [")).isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("(document): Not valid YAML");
    assertThatThrownBy(() -> parse("")).hasMessageStartingWith("(document): ");
  }

  @Test
  void environmentOverridesHostPortTokenAndRedis() {
    ServerConfig c = ConfigLoader.parse("server: {port: 1}\npersistence: {file: /data}", null,
        Map.of("JWKS_CACHE_HOST", "0.0.0.0", "JWKS_CACHE_PORT", "9090",
            "JWKS_CACHE_ADMIN_TOKEN", "env-token-0123456789",
            "JWKS_CACHE_REDIS_URI", "redis://cache:6379", "JWKS_CACHE_SEAL_KEY", SECRET));
    assertThat(c.server().host()).isEqualTo("0.0.0.0");
    assertThat(c.server().port()).isEqualTo(9090);
    assertThat(c.server().adminToken()).isEqualTo("env-token-0123456789");
    assertThat(c.persistence().usesRedis()).isTrue();
    assertThat(c.persistence().redis().getHost()).isEqualTo("cache");
    assertThat(c.persistence().file()).isNull();
    assertThatThrownBy(() -> ConfigLoader.parse("{}", null, Map.of("JWKS_CACHE_PORT", "x")))
        .hasMessageStartingWith("server.port (JWKS_CACHE_PORT): ");
    assertThatThrownBy(() -> ConfigLoader.parse("{}", null,
        Map.of("JWKS_CACHE_REDIS_URI", "redis://cache")))
        .hasMessageStartingWith("persistence.seal_key.secret");
  }

  @Test
  void durationsTakeUnitsOrIso8601() {
    ServerConfig c = parse("""
        providers:
          - tenant_id: t
            provider_id: p
            jwks_url: https://a.b/j
            min_ttl: PT1M
            max_ttl: 1d
            refresh_early: 45s
            retry_policy: {initial_backoff: 100ms, max_backoff: 2m, jitter: decorrelated}
        """);
    var r = c.providers().get(0);
    assertThat(r.minTtl()).isEqualTo(Duration.ofMinutes(1));
    assertThat(r.maxTtl()).isEqualTo(Duration.ofDays(1));
    assertThat(r.refreshEarly()).isEqualTo(Duration.ofSeconds(45));
    assertThat(r.retryPolicy().initialBackoff()).isEqualTo(Duration.ofMillis(100));
    assertThat(r.retryPolicy().maxBackoff()).isEqualTo(Duration.ofMinutes(2));
  }
}
