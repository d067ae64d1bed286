package dev.jwkscache;

import java.util.Map;

/** One named figure of a {@link ProviderStatus}, labelled with its tenant and provider. */
public record StatusMetric(String name, double value, Map<String, String> labels) {
  public StatusMetric {
    labels = Map.copyOf(labels);
  }

  static StatusMetric of(String name, double value, String tenant, String provider) {
    return new StatusMetric(name, value, Map.of("tenant", tenant, "provider", provider));
  }
}
