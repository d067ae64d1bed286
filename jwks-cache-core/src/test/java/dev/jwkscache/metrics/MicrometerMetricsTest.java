package dev.jwkscache.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jwkscache.ProviderRegistration;
import dev.jwkscache.Registry;
import dev.jwkscache.UpstreamStatusException;
import dev.jwkscache.testing.JwksServer;
import dev.jwkscache.testing.TestKeys;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

class MicrometerMetricsTest {
  @Test
  void publishesTheDesignMetersWithTenantAndProviderLabels() {
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    try (JwksServer upstream = new JwksServer();
        Registry registry = Registry.builder().requireHttps(false)
            .listener(new MicrometerMetrics(meters)).build()) {
      upstream.serve(TestKeys.publicJwks(TestKeys.rsa("k1")), 300);
      registry.register(ProviderRegistration.builder("t1", "idp", upstream.url()).build());
      registry.resolve("t1", "idp");
      registry.resolve("t1", "idp");

      assertThat(count(meters, "jwks_cache_requests")).isEqualTo(2);
      assertThat(count(meters, "jwks_cache_hits")).isEqualTo(1);
      assertThat(count(meters, "jwks_cache_misses")).isEqualTo(1);
      assertThat(count(meters, "jwks_cache_stale")).isZero();
      assertThat(meters.get("jwks_cache_refresh").tag("status", "success").functionCounter()
          .count()).isEqualTo(1);
      assertThat(meters.get("jwks_cache_refresh_duration").tag("tenant", "t1").timer().count())
          .isEqualTo(1);

      registry.unregister("t1", "idp");
      assertThat(meters.find("jwks_cache_requests").tag("tenant", "t1").functionCounter())
          .isNull();
    }
  }

  @Test
  void aFailingListenerNeverFailsAResolve() {
    CacheEventListener broken = new CacheEventListener() {
      @Override
      public void onRegistered(ProviderCounters counters) {
        throw new IllegalStateException("metrics backend down");
      }

      @Override
      public void onRefresh(String t, String p, boolean success, java.time.Duration d) {
        throw new IllegalStateException("metrics backend down");
      }
    };
    try (JwksServer upstream = new JwksServer();
        Registry registry = Registry.builder().requireHttps(false).listener(broken).build()) {
      upstream.serve(TestKeys.publicJwks(TestKeys.rsa("k1")), 300);
      registry.register(ProviderRegistration.builder("t1", "idp", upstream.url()).build());
      assertThat(registry.resolveKey("t1", "idp", "k1").getKeyID()).isEqualTo("k1");
      upstream.fail(500);
      registry.register(ProviderRegistration.builder("t2", "idp", upstream.url()).build());
      assertThatThrownBy(() -> registry.resolve("t2", "idp"))
          .isInstanceOf(UpstreamStatusException.class);
    }
  }

  private static double count(SimpleMeterRegistry meters, String name) {
    return meters.get(name).tag("tenant", "t1").tag("provider", "idp").functionCounter().count();
  }
}
