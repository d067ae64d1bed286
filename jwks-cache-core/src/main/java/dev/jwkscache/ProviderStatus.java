package dev.jwkscache;

import java.time.Instant;
import java.util.List;

/**
 * A point-in-time view of one pair, with the field names of the status API.
 *
 * @param lastRefresh when the cached set was last fetched or revalidated, or null
 * @param nextRefresh when the next background refresh is due, or null
 * @param expiresAt when the cached set stops being fresh, or null
 * @param errorCount consecutive failed refreshes
 * @param hitRate hits / requests (0 when there were none)
 * @param staleServeRatio stale answers / requests (0 when there were none)
 * @param lastError message of the last failed refresh, or null after a success
 */
public record ProviderStatus(String tenantId, String providerId, ProviderState state,
    Instant lastRefresh, Instant nextRefresh, Instant expiresAt, int errorCount, double hitRate,
    double staleServeRatio, String lastError, List<StatusMetric> metrics) {

  public ProviderStatus {
    metrics = List.copyOf(metrics);
  }
}
